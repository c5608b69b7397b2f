using System.Net;
using System.Text.Json;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.Projections.Reactions.PaymentRequests;
using EventLedger.Projections.Reactions.ZeroAmountAlerts;
using EventLedger.Reactions.Sinks.Sns.Model;

namespace EventLedger.IntegrationTests.Reactions;

/// <summary>Reactions to SQS and SNS on the AWS emulator (fauxqs) the embedded stack starts.</summary>
[Collection(StackCollection.Name)]
public sealed class SqsSnsReactionTests(StackFixture stack, AwsEmulatorFixture aws) : IClassFixture<AwsEmulatorFixture>
{
    [Fact]
    public async Task Payment_requests_reach_a_fifo_queue_grouped_by_invoice_and_deduplicated_by_event_id()
    {
        var queueUrl = await aws.CreateQueueAsync($"payments-{Guid.NewGuid():N}.fifo");
        await using var app = await ReactionsTestApp.StartAsync(stack, "rx-sqs", new Dictionary<string, string?>
        {
            ["Reactions:PaymentRequests:Sink"] = "sqs",
            ["Reactions:PaymentRequests:QueueUrl"] = queueUrl,
            ["Reactions:PaymentRequests:ServiceUrl"] = aws.Endpoint,
        });

        foreach (var (invoice, t) in new[] { ("RX-Q1", "t1"), ("RX-Q2", "t1"), ("RX-Q1", "t2"), ("RX-Q1", "t3") })
        {
            Assert.Equal(HttpStatusCode.Created, (await app.RecordAsync(invoice, t, 7.5m)).StatusCode);
        }

        var messages = await aws.ReceiveAsync(queueUrl, 4);
        var expected = (await app.EventsAsync("RX-Q1")).Concat(await app.EventsAsync("RX-Q2")).Select(e => e.GetProperty("eventId").GetString()!).ToHashSet();
        Assert.True(messages.Select(m => m.MessageAttributes["eventId"].StringValue).ToHashSet().SetEquals(expected));
        foreach (var message in messages)
        {
            var cloudEvent = JsonDocument.Parse(message.Body).RootElement;
            Assert.Equal(PaymentRequestsReaction.Type, cloudEvent.GetProperty("type").GetString());
            Assert.Equal(cloudEvent.GetProperty("id").GetString(), message.MessageAttributes["eventId"].StringValue);
            Assert.Equal(cloudEvent.GetProperty("subject").GetString(), message.Attributes["MessageGroupId"]);
            Assert.Equal(cloudEvent.GetProperty("id").GetString(), message.Attributes["MessageDeduplicationId"]);
            Assert.Equal(7.5m, cloudEvent.GetProperty("data").GetProperty("amount").GetDecimal());
        }

        Assert.Equal([1L, 2L, 3L], messages.Where(m => m.Attributes["MessageGroupId"] == "RX-Q1")
            .Select(m => JsonDocument.Parse(m.Body).RootElement.GetProperty("invoiceversion").GetInt64()));

        // A redelivery within SQS's deduplication window is dropped by the FIFO queue: consumers see each id once.
        var redelivery = await app.Http.PostAsync($"/reactions/{PaymentRequestsReaction.Name}/redeliveries", System.Net.Http.Json.JsonContent.Create(new { from = "RX-Q1/1" }));
        Assert.Equal(HttpStatusCode.Accepted, redelivery.StatusCode);
        await Probe.UntilAsync(async () => (await app.ReactionAsync(PaymentRequestsReaction.Name)).GetProperty("latestRedelivery").GetProperty("state").GetString() == "completed",
            "the redelivery to complete");
        var after = await aws.Sqs.ReceiveMessageAsync(new Amazon.SQS.Model.ReceiveMessageRequest { QueueUrl = queueUrl, WaitTimeSeconds = 1 });
        Assert.Empty(after.Messages ?? []);
    }

    [Fact]
    public async Task Zero_amount_alerts_are_published_to_an_sns_topic_and_fan_out_to_its_queue()
    {
        var topicArn = (await aws.Sns.CreateTopicAsync(new CreateTopicRequest { Name = $"alerts-{Guid.NewGuid():N}" })).TopicArn!;
        var queueUrl = await aws.CreateQueueAsync($"team-{Guid.NewGuid():N}");
        var queueArn = (await aws.Sqs.GetQueueAttributesAsync(queueUrl, ["QueueArn"])).QueueARN;
        await aws.Sns.SubscribeAsync(new SubscribeRequest
        {
            TopicArn = topicArn, Protocol = "sqs", Endpoint = queueArn, Attributes = new() { ["RawMessageDelivery"] = "true" },
        });
        await using var app = await ReactionsTestApp.StartAsync(stack, "rx-sns", new Dictionary<string, string?>
        {
            ["Reactions:ZeroAmountAlerts:Sink"] = "sns",
            ["Reactions:ZeroAmountAlerts:TopicArn"] = topicArn,
            ["Reactions:ZeroAmountAlerts:ServiceUrl"] = aws.Endpoint,
        });

        Assert.Equal(HttpStatusCode.Created, (await app.RecordAsync("1212121", "Client9_zero", 0m)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await app.RecordAsync("1212121", "Client9_ten", 10m)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.AdjustAsync("1212121", "Client9_ten", 0m)).StatusCode);

        var messages = await aws.ReceiveAsync(queueUrl, 2);
        var alerts = messages.Select(m => JsonDocument.Parse(m.Body).RootElement).OrderBy(e => e.GetProperty("invoiceversion").GetInt64()).ToList();
        Assert.All(alerts, a => Assert.Equal(ZeroAmountAlertsReaction.Type, a.GetProperty("type").GetString()));
        Assert.Equal(["TransactionRecorded", "TransactionAdjusted"], alerts.Select(a => a.GetProperty("data").GetProperty("trigger").GetString()));
        Assert.Equal(["Client9_zero", "Client9_ten"], alerts.Select(a => a.GetProperty("data").GetProperty("transactionId").GetString()));
        Assert.All(alerts, a => Assert.Equal("USA", a.GetProperty("data").GetProperty("country").GetString()));
        Assert.Matches("^Take immediate action for Invoice number 1212121 as zero value is reported in the InvoiceTransactions table as on \\d{12}$",
            alerts[0].GetProperty("data").GetProperty("message").GetString());
        Assert.All(messages, m => Assert.Equal(JsonDocument.Parse(m.Body).RootElement.GetProperty("id").GetString(), m.MessageAttributes["eventId"].StringValue));
    }

    [Fact]
    public async Task A_missing_queue_is_a_rejection_that_ends_in_the_dead_letter_store()
    {
        await using var app = await ReactionsTestApp.StartAsync(stack, "rx-dlq", new Dictionary<string, string?>
        {
            ["Reactions:PaymentRequests:Sink"] = "sqs",
            ["Reactions:PaymentRequests:QueueUrl"] = $"{aws.Endpoint}/000000000000/no-such-queue",
            ["Reactions:PaymentRequests:ServiceUrl"] = aws.Endpoint,
        });
        Assert.Equal(HttpStatusCode.Created, (await app.RecordAsync("RX-X1", "t1", 1m)).StatusCode);
        JsonElement status = default;
        await Probe.UntilAsync(async () => (status = await app.ReactionAsync(PaymentRequestsReaction.Name)).GetProperty("subscription").GetProperty("deadLetters").GetInt32() == 1,
            "the payment request to be dead-lettered", TimeSpan.FromSeconds(60), () => status.ToString());
        Assert.Contains("no-such-queue", status.GetProperty("lastError").GetString(), StringComparison.Ordinal);
    }
}
