using System.Collections.Concurrent;
using Amazon.DynamoDBv2;
using EventLedger.EventStore.Tables;
using EventLedger.ProjectionHost.Processing;
using EventLedger.Projections.Contracts;
using EventLedger.Streams.Checkpoints;
using EventLedger.Streams.Client;
using EventLedger.Streams.DeadLetters;
using EventLedger.Streams.Leases;
using EventLedger.Streams.Reader;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EventLedger.ProjectionHost.Hosting;

/// <summary>
/// The projection host: one stream subscription per read-model version (<c>invoice-totals-v1</c>, …), each with its own
/// leases and checkpoints, so a rebuilt version catches up and takes over without a hand-over between readers
/// (ADR 0004). Several hosts may run at once; the lease table splits the shards between them.
/// </summary>
public sealed partial class ProjectionHostService(
    IAmazonDynamoDB dynamoDb,
    IDynamoDbStreams streams,
    EventStoreTables eventStore,
    ProjectionHostOptions options,
    IReadModelCatalog catalog,
    IEnumerable<HostedReadModel> readModels,
    ILoggerFactory loggerFactory,
    AppliedVersionSignal? appliedSignal = null,
    ProjectionMetrics? metrics = null) : IHostedService, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, RunningSubscription> _running = new(StringComparer.Ordinal);
    private readonly ILogger _logger = loggerFactory.CreateLogger<ProjectionHostService>();
    private readonly SemaphoreSlim _gate = new(1, 1);
    // The subscriptions of this host read the same shards; sharing their GetRecords pages reads and decodes each shard
    // once instead of once per read model (on DynamoDB Local, where one thread serves everything, that is most of the
    // catch-up cost). Each subscription still keeps its own position, leases and checkpoints.
    private readonly IDynamoDbStreams _reads = new SharedStreamReads(streams);
    private readonly string _ownerId = options.OwnerId ?? $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";
    private DeadLetterStore? _deadLetters;
    private DynamoDbLeaseStore? _leases;
    private string? _streamArn;

    public IReadOnlyList<HostedReadModel> ReadModels { get; } =
        [.. readModels.Where(r => options.ReadModels is null || options.ReadModels.Contains(r.Name))];

    public IDeadLetterStore DeadLetters => _deadLetters ?? throw new InvalidOperationException("The projection host has not started.");

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _leases = new DynamoDbLeaseStore(dynamoDb, options.LeaseTable);
        _deadLetters = new DeadLetterStore(dynamoDb, options.DeadLetterTable, loggerFactory.CreateLogger<DeadLetterStore>());
        await Task.WhenAll(_leases.EnsureTableAsync(cancellationToken), _deadLetters.EnsureTableAsync(cancellationToken));
        _streamArn = await EventStoreSchema.GetStreamArnAsync(dynamoDb, eventStore, cancellationToken);
        foreach (var readModel in ReadModels)
        {
            var live = await catalog.LiveTableAsync(readModel.Name, cancellationToken);
            await StartVersionAsync(readModel.Name, live.Version, cancellationToken);
        }

        LogStarted(_logger, ReadModels.Count, _ownerId);
    }

    /// <summary>Starts feeding one version of a read model from the stream (idempotent). Rebuilds use it for the version they build.</summary>
    public async Task StartVersionAsync(string name, int version, CancellationToken cancellationToken)
    {
        var readModel = ReadModels.FirstOrDefault(r => r.Name == name)
            ?? throw new ArgumentException($"This host does not run read model '{name}'.", nameof(name));
        var subscriptionName = SubscriptionName(name, version);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_running.ContainsKey(subscriptionName))
            {
                return;
            }

            var hosted = await readModel.CreateAsync(version, cancellationToken);
            var processor = new ProjectionBatchProcessor(hosted.Projection,
                appliedSignal is null ? null : events => appliedSignal.Publish(name, version, events), metrics);
            var subscription = new StreamSubscription(
                new StreamSubscriptionOptions
                {
                    Name = subscriptionName,
                    StreamArn = _streamArn,
                    OwnerId = _ownerId,
                    BatchSize = options.BatchSize,
                    MaximumBatchingWindow = options.MaximumBatchingWindow,
                    MaximumRetryAttempts = options.MaximumRetryAttempts,
                    MaximumRecordAge = options.MaximumRecordAge,
                    BisectBatchOnFunctionError = options.BisectBatchOnFunctionError,
                    // A processor that commits its own checkpoint needs whole-shard prefixes: lanes carry no checkpoint.
                    ParallelizationFactor = hosted.Checkpoints is null ? options.ParallelizationFactor : 1,
                    PollInterval = options.PollInterval,
                    CheckpointInterval = options.CheckpointInterval,
                    ReadAhead = options.ReadAhead,
                    LeaseDuration = options.LeaseDuration,
                    CreateTablesIfMissing = false,
                    IsTransientFailure = TransientFailures.IsTransient,
                },
                _reads,
                _leases!,
                hosted.Checkpoints ?? new DynamoDbCheckpointStore(dynamoDb, options.LeaseTable),
                _deadLetters!,
                processor,
                loggerFactory);
            await subscription.StartAsync(cancellationToken);
            _running[subscriptionName] = new RunningSubscription(name, version, subscription, processor, appliedSignal?.AddPublisher(name, version, subscription.OwnsEveryOpenShard));
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops feeding one version (after a rebuild retired it). Its checkpoints stay for inspection.</summary>
    public async Task StopVersionAsync(string name, int version, CancellationToken cancellationToken)
    {
        if (_running.TryRemove(SubscriptionName(name, version), out var running))
        {
            running.Published?.Dispose();
            await running.Subscription.StopAsync(cancellationToken);
            await running.Subscription.DisposeAsync();
        }
    }

    /// <summary>The versions of <paramref name="name"/> this host feeds now.</summary>
    public IReadOnlySet<int> RunningVersions(string name) =>
        _running.Values.Where(r => r.Name == name).Select(r => r.Version).ToHashSet();

    /// <summary>Status of every subscription this host runs, per read model and version.</summary>
    public IReadOnlyList<RunningSubscriptionStatus> GetStatus() =>
        [.. _running.Values
            .OrderBy(r => r.Name, StringComparer.Ordinal).ThenBy(r => r.Version)
            .Select(r => new RunningSubscriptionStatus(r.Name, r.Version, r.Processor.Projection.SchemaVersion, r.Subscription.GetStatus()))];

    /// <summary>The processor of a running subscription (dead-letter retries run it).</summary>
    public ProjectionBatchProcessor? ProcessorOf(string subscriptionName) =>
        _running.TryGetValue(subscriptionName, out var r) ? r.Processor : null;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var running in _running.Values)
        {
            await running.Subscription.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var running in _running.Values)
        {
            running.Published?.Dispose();
            await running.Subscription.DisposeAsync();
        }

        _running.Clear();
        _gate.Dispose();
    }

    public static string SubscriptionName(string readModel, int version) => $"{readModel}-v{version}";

    [LoggerMessage(Level = LogLevel.Information, Message = "Projection host started {Count} read models as {Owner}")]
    private static partial void LogStarted(ILogger logger, int count, string owner);

    private sealed record RunningSubscription(string Name, int Version, StreamSubscription Subscription, ProjectionBatchProcessor Processor, IDisposable? Published);
}

/// <summary>One running read-model version as this host sees it.</summary>
public sealed record RunningSubscriptionStatus(string ReadModel, int Version, int SchemaVersion, SubscriptionStatus Subscription);
