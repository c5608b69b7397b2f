using System.Globalization;
using System.Text;
using Amazon.SQS;
using Amazon.SQS.Model;
using EventLedger.Reactions.Configuration;

namespace EventLedger.Reactions.Sinks.Sqs;

/// <summary>
/// Sends to an SQS queue with <c>SendMessageBatch</c> (up to 10 messages, each of a different invoice). A FIFO queue
/// (<c>.fifo</c>) gets <c>MessageGroupId</c> = invoice number (SQS keeps each invoice's order) and
/// <c>MessageDeduplicationId</c> = event id (SQS drops a resend within its 5-minute window). Every message also carries
/// the attributes <c>eventId</c>, <c>eventType</c> (the CloudEvents type) and <c>invoiceNumber</c>.
/// </summary>
public sealed class SqsSink : IReactionSink
{
    private readonly AmazonSQSClient _client;
    private readonly string _queueUrl;
    private readonly bool _fifo;

    public SqsSink(SinkSettings settings, string? deploymentEndpoint)
    {
        _queueUrl = settings.QueueUrl ?? throw new ArgumentException("An SQS sink needs a queue URL.", nameof(settings));
        _fifo = _queueUrl.EndsWith(".fifo", StringComparison.Ordinal);
        _client = CreateClient(AwsEndpoint.For(settings, deploymentEndpoint));
    }

    public string Kind => "sqs";
    public string Target => _queueUrl;
    public int MaxBatchSize => 10;

    /// <summary>An SQS client for an endpoint (dummy credentials) or for AWS (default chain).</summary>
    public static AmazonSQSClient CreateClient(AwsEndpoint endpoint)
    {
        var config = new AmazonSQSConfig { Timeout = TimeSpan.FromSeconds(20), MaxErrorRetry = 0 };
        if (endpoint.ServiceUrl is { } url)
        {
            config.ServiceURL = url;
            config.AuthenticationRegion = endpoint.Region;
        }
        else
        {
            config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(endpoint.Region);
        }

        return endpoint.Credentials is { } credentials ? new AmazonSQSClient(credentials, config) : new AmazonSQSClient(config);
    }

    public async Task<IReadOnlyList<DeliveryOutcome>> SendAsync(IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken)
    {
        var request = new SendMessageBatchRequest
        {
            QueueUrl = _queueUrl,
            Entries = [.. messages.Select((m, i) => new SendMessageBatchRequestEntry
            {
                Id = i.ToString(CultureInfo.InvariantCulture),
                MessageBody = Encoding.UTF8.GetString(m.Body),
                MessageGroupId = _fifo ? m.Message.InvoiceNumber : null,
                MessageDeduplicationId = _fifo ? m.Message.IdText : null,
                MessageAttributes = new Dictionary<string, MessageAttributeValue>
                {
                    ["eventId"] = new() { DataType = "String", StringValue = m.Message.IdText },
                    ["eventType"] = new() { DataType = "String", StringValue = m.Message.Type },
                    ["invoiceNumber"] = new() { DataType = "String", StringValue = m.Message.InvoiceNumber },
                },
            })],
        };

        SendMessageBatchResponse response;
        try
        {
            response = await _client.SendMessageBatchAsync(request, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var outcome = AwsFailures.Classify(ex, $"SQS {_queueUrl}");
            return [.. messages.Select(_ => outcome)];
        }

        return AwsFailures.BatchOutcomes(messages.Count, $"SQS {_queueUrl}", (response.Successful ?? []).Select(ok => ok.Id),
            (response.Failed ?? []).Select(f => (f.Id, f.SenderFault == true, (string?)f.Code, (string?)f.Message)));
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
