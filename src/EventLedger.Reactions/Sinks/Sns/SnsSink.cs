using System.Globalization;
using System.Text;
using EventLedger.Reactions.Configuration;
using EventLedger.Reactions.Sinks.Sns.Model;

namespace EventLedger.Reactions.Sinks.Sns;

/// <summary>
/// Publishes to an SNS topic with <c>PublishBatch</c> (up to 10 messages, each of a different invoice); SNS fans them out
/// to the topic's subscribers (email, SMS, SQS, …). A FIFO topic (<c>.fifo</c>) gets <c>MessageGroupId</c> = invoice number
/// and <c>MessageDeduplicationId</c> = event id. Every message carries the attributes <c>eventId</c>, <c>eventType</c> and
/// <c>invoiceNumber</c> (subscription filter policies can select on them).
/// </summary>
public sealed class SnsSink(SinkSettings settings, IAmazonSimpleNotificationService client) : IReactionSink
{
    private readonly string _topicArn = settings.TopicArn ?? throw new ArgumentException("An SNS sink needs a topic ARN.", nameof(settings));
    private readonly bool _fifo = (settings.TopicArn ?? "").EndsWith(".fifo", StringComparison.Ordinal);

    public SnsSink(SinkSettings settings, string? deploymentEndpoint)
        : this(settings, new SnsClient(AwsEndpoint.For(settings, deploymentEndpoint)))
    {
    }

    public string Kind => "sns";
    public string Target => _topicArn;
    public int MaxBatchSize => 10;

    public async Task<IReadOnlyList<DeliveryOutcome>> SendAsync(IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken)
    {
        var request = new PublishBatchRequest
        {
            TopicArn = _topicArn,
            PublishBatchRequestEntries = [.. messages.Select((m, i) => new PublishBatchRequestEntry
            {
                Id = i.ToString(CultureInfo.InvariantCulture),
                Message = Encoding.UTF8.GetString(m.Body),
                MessageGroupId = _fifo ? m.Message.InvoiceNumber : null,
                MessageDeduplicationId = _fifo ? m.Message.IdText : null,
                MessageAttributes = new()
                {
                    ["eventId"] = new() { StringValue = m.Message.IdText },
                    ["eventType"] = new() { StringValue = m.Message.Type },
                    ["invoiceNumber"] = new() { StringValue = m.Message.InvoiceNumber },
                },
            })],
        };

        PublishBatchResponse response;
        try
        {
            response = await client.PublishBatchAsync(request, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var outcome = AwsFailures.Classify(ex, $"SNS {_topicArn}");
            return [.. messages.Select(_ => outcome)];
        }

        return AwsFailures.BatchOutcomes(messages.Count, $"SNS {_topicArn}", response.Successful.Select(ok => ok.Id!),
            response.Failed.Select(f => (f.Id!, f.SenderFault, (string?)f.Code, (string?)f.Message)));
    }

    public ValueTask DisposeAsync()
    {
        client.Dispose();
        return ValueTask.CompletedTask;
    }
}
