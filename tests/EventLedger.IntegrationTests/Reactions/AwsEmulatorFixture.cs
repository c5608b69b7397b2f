using Amazon.SQS;
using Amazon.SQS.Model;
using EventLedger.EmbeddedStack;
using EventLedger.Reactions.Sinks;
using EventLedger.Reactions.Sinks.Sns;
using EventLedger.Reactions.Sinks.Sqs;

namespace EventLedger.IntegrationTests.Reactions;

/// <summary>
/// The AWS emulator (fauxqs, from the embedded stack) for one test class, or the endpoint in EVENTLEDGER_AWS_ENDPOINT.
/// Started through <see cref="LocalStack"/> with nothing else, so the shared DynamoDB Local stays the only JVM.
/// </summary>
public sealed class AwsEmulatorFixture : IAsyncLifetime
{
    public LocalStack Stack { get; private set; } = null!;
    public string Endpoint => Stack.AwsEndpoint ?? throw new InvalidOperationException("No AWS endpoint: EVENTLEDGER_AWS_ENDPOINT=aws is not usable in tests.");
    public AmazonSQSClient Sqs { get; private set; } = null!;
    public SnsClient Sns { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Stack = await LocalStack.StartAsync(
            EmbeddedStackOptions.FromEnvironment() with { NeedDynamoDb = false, NeedPostgres = false, NeedAwsEmulator = true, DynamoDbEndpoint = null, PostgresConnectionString = null },
            logger: null, CancellationToken.None);
        var endpoint = new AwsEndpoint(Endpoint, "us-east-1", new Amazon.Runtime.BasicAWSCredentials("local", "local"));
        Sqs = SqsSink.CreateClient(endpoint);
        Sns = new SnsClient(endpoint);
    }

    public async Task DisposeAsync()
    {
        Sqs.Dispose();
        Sns.Dispose();
        await Stack.DisposeAsync();
    }

    public async Task<string> CreateQueueAsync(string name)
    {
        var attributes = name.EndsWith(".fifo", StringComparison.Ordinal) ? new Dictionary<string, string> { ["FifoQueue"] = "true" } : [];
        return (await Sqs.CreateQueueAsync(new CreateQueueRequest { QueueName = name, Attributes = attributes })).QueueUrl;
    }

    /// <summary>Receives until <paramref name="count"/> messages arrived (deleting them), or fails saying what it waited for.</summary>
    public async Task<List<Message>> ReceiveAsync(string queueUrl, int count, TimeSpan? timeout = null)
    {
        var received = new List<Message>();
        await Fixtures.Probe.UntilAsync(async () =>
        {
            var response = await Sqs.ReceiveMessageAsync(new ReceiveMessageRequest
            {
                QueueUrl = queueUrl,
                MaxNumberOfMessages = 10,
                WaitTimeSeconds = 1,
                MessageAttributeNames = ["All"],
                MessageSystemAttributeNames = ["All"],
            });
            foreach (var message in response.Messages ?? [])
            {
                received.Add(message);
                await Sqs.DeleteMessageAsync(queueUrl, message.ReceiptHandle);
            }

            return received.Count >= count;
        }, $"{count} messages on {queueUrl}", timeout ?? TimeSpan.FromSeconds(30), () => $"{received.Count} received");
        return received;
    }
}
