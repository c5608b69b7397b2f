using EventLedger.IntegrationTests.Fixtures;
using EventLedger.Streams.Checkpoints;
using EventLedger.Streams.Client;
using EventLedger.Streams.DeadLetters;
using EventLedger.Streams.Leases;
using EventLedger.Streams.Reader;
using Xunit.Abstractions;

namespace EventLedger.IntegrationTests.Streams;

/// <summary>
/// Per-test lease, checkpoint and dead-letter stores on DynamoDB Local (own table prefix), fast test options,
/// and subscriptions that are stopped when the test ends.
/// </summary>
internal sealed class StreamsHarness : IAsyncDisposable
{
    private readonly StackFixture _fixture;
    private readonly ITestOutputHelper _output;
    private readonly List<StreamSubscription> _subscriptions = [];

    public StreamsHarness(StackFixture fixture, ITestOutputHelper output, string name)
    {
        _fixture = fixture;
        _output = output;
        Prefix = StackFixture.NewPrefix(name);
        LeaseStore = new DynamoDbLeaseStore(fixture.DynamoDb, LeaseTable);
        Checkpoints = new DynamoDbCheckpointStore(fixture.DynamoDb, LeaseTable);
        DeadLetters = new DeadLetterStore(fixture.DynamoDb, Prefix + "dead-letters");
        Streams = StreamsClients.For(fixture);
    }

    public const string SubscriptionName = "test-subscription";

    public string Prefix { get; }
    public string LeaseTable => Prefix + "leases";
    public string DataTable => Prefix + "data";
    public DynamoDbLeaseStore LeaseStore { get; }
    public DynamoDbCheckpointStore Checkpoints { get; }
    public DeadLetterStore DeadLetters { get; }
    public DynamoDbStreamsClient Streams { get; }

    /// <summary>Creates the stream-enabled data table and returns its stream ARN.</summary>
    public Task<string> CreateDataTableAsync() => StreamTables.CreateAsync(_fixture.DynamoDb, DataTable);

    public Task WriteAsync(IReadOnlyList<string> keys, int fromVersion, int toVersion) =>
        StreamTables.WriteRoundsAsync(_fixture.DynamoDb, DataTable, keys, fromVersion, toVersion);

    public static StreamSubscriptionOptions FastOptions(string streamArn, string owner) => new()
    {
        Name = SubscriptionName,
        StreamArn = streamArn,
        OwnerId = owner,
        PollInterval = TimeSpan.FromMilliseconds(50),
        LeaseDuration = TimeSpan.FromSeconds(2),
        LeaseRenewInterval = TimeSpan.FromMilliseconds(300),
        ShardDiscoveryInterval = TimeSpan.FromMilliseconds(500),
        BackoffBase = TimeSpan.FromMilliseconds(10),
        BackoffMax = TimeSpan.FromMilliseconds(100),
        ShutdownGracePeriod = TimeSpan.FromSeconds(2),
        MaximumRetryAttempts = 2,
    };

    /// <summary>Starts a subscription (stopped at the end of the test unless stopped before).</summary>
    public async Task<StreamSubscription> StartAsync(
        IDynamoDbStreams streams,
        string streamArn,
        IStreamBatchProcessor processor,
        string owner = "host-a",
        Func<StreamSubscriptionOptions, StreamSubscriptionOptions>? configure = null,
        ILeaseStore? leaseStore = null,
        ICheckpointStore? checkpoints = null)
    {
        var options = FastOptions(streamArn, owner);
        options = configure?.Invoke(options) ?? options;
        var subscription = new StreamSubscription(
            options, streams, leaseStore ?? LeaseStore, checkpoints ?? Checkpoints, DeadLetters, processor, new TestLoggerFactory(_output), TimeProvider.System);
        _subscriptions.Add(subscription);
        await subscription.StartAsync(CancellationToken.None);
        return subscription;
    }

    public async Task<IReadOnlyList<Lease>> LeasesAsync() => await LeaseStore.ListAsync(SubscriptionName, CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        foreach (var subscription in _subscriptions)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await subscription.StopAsync(timeout.Token);
        }

        Streams.Dispose();
    }
}
