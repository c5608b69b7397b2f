using System.Text;
using System.Text.Json.Nodes;
using EventLedger.Domain.Invoices;
using EventLedger.EventStore.Events;
using EventLedger.Projections.Reactions;
using EventLedger.Projections.Reactions.Custom;
using EventLedger.Projections.Reactions.ZeroAmountAlerts;
using EventLedger.Reactions.Configuration;
using EventLedger.Reactions.Sinks.Webhooks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using StandardWebhooks;

namespace EventLedger.IntegrationTests.Reactions;

/// <summary>The pure parts of reactions: filter patterns, configuration errors, message shape, signatures.</summary>
public sealed class ReactionDeclarationTests
{
    private static readonly StoredEvent Adjusted = new("1212121", 4, Guid.NewGuid(), "TransactionAdjusted", 1,
        new TransactionAdjusted("Client1_trans2xxxx", 0m, 500m, "USD", "USA", new DateOnly(2016, 6, 6), null), EventMetadata.New(), DateTimeOffset.UtcNow);

    [Theory]
    [InlineData("""{"eventType":["TransactionAdjusted"]}""", true)]
    [InlineData("""{"eventType":["TransactionRecorded"]}""", false)]
    [InlineData("""{"data":{"newAmount":[{"numeric":["=",0]}]}}""", true)]
    [InlineData("""{"data":{"previousAmount":[{"numeric":[">",100,"<=",500]}]}}""", true)]
    [InlineData("""{"data":{"previousAmount":[{"numeric":[">",500]}]}}""", false)]
    [InlineData("""{"data":{"transactionId":[{"prefix":"Client1_"}]}}""", true)]
    [InlineData("""{"data":{"transactionId":[{"suffix":"yyyy"}]}}""", false)]
    [InlineData("""{"data":{"country":[{"anything-but":["USA","UK"]}]}}""", false)]
    [InlineData("""{"data":{"country":[{"equals-ignore-case":"usa"}]}}""", true)]
    [InlineData("""{"data":{"reason":[{"exists":false}]}}""", true)]
    [InlineData("""{"data":{"reason":[{"exists":true}]}}""", false)]
    [InlineData("""{"invoiceNumber":["1212121"],"version":[4]}""", true)]
    [InlineData("""{"$or":[{"eventType":["TransactionVoided"]},{"data":{"newAmount":[0]}}]}""", true)]
    public void A_filter_pattern_matches_like_lambda_event_filtering(string pattern, bool matches) =>
        Assert.Equal(matches, EventFilterPattern.Parse(pattern).Matches(EventEnvelope.Of(Adjusted)));

    [Theory]
    [InlineData("[1]", "JSON object")]
    [InlineData("""{"eventType":"TransactionRecorded"}""", "array of rules")]
    [InlineData("""{"data":{"amount":[{"numeric":["~",0]}]}}""", "unknown operator")]
    [InlineData("""{"data":{"amount":[{"between":[1,2]}]}}""", "Unknown rule")]
    [InlineData("{not json", "not valid JSON")]
    public void A_bad_filter_pattern_is_refused_with_a_reason(string pattern, string reason) =>
        Assert.Contains(reason, Assert.Throws<EventFilterPatternException>(() => EventFilterPattern.Parse(pattern)).Message, StringComparison.Ordinal);

    [Theory]
    [InlineData("Reactions:ZeroAmountAlerts:Sink", "kafka", "must be webhook, sqs or sns")]
    [InlineData("Reactions:PaymentRequests:Sink", "sqs", "QueueUrl is required")]
    [InlineData("Reactions:PaymentRequests:Sink", "webhook", "Url is required")]
    [InlineData("Reactions:Custom:Big:Sink", "sns", "lower-case")]
    [InlineData("Reactions:Custom:big:Sink", "sns", "Filter is required")]
    public void Configuration_that_cannot_work_names_its_key(string key, string value, string reason)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();
        Assert.Contains(reason, Assert.Throws<ReactionConfigurationException>(() => ReactionsConfiguration.Read(configuration)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Reactions_without_a_sink_are_off_and_a_configured_one_is_declared()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Reactions:Custom:big_adjustments:Sink"] = "sns",
            ["Reactions:Custom:big_adjustments:TopicArn"] = "arn:aws:sns:eu-west-1:123456789012:big",
            ["Reactions:Custom:big_adjustments:Filter"] = """{"eventType":["TransactionAdjusted"],"data":{"previousAmount":[{"numeric":[">",100]}]}}""",
        }).Build();
        var reactions = ReactionsConfiguration.Read(configuration);
        Assert.Equal(["zero-amount-alerts", "payment-requests", "big_adjustments"], reactions.Select(r => r.Name));
        Assert.False(reactions[0].IsOn);
        var custom = reactions[2];
        Assert.True(custom.Declaration.Takes(Adjusted));
        var message = custom.Declaration.Message(Adjusted);
        Assert.Equal("eventledger.invoice.TransactionAdjusted.v1", message.Type);
        var json = JsonNode.Parse(CloudEventJson.Serialize(message, "urn:test"))!;
        Assert.Equal(500m, json["data"]!["previousAmount"]!.GetValue<decimal>());
        Assert.Equal("1212121", json["data"]!["invoiceNumber"]!.GetValue<string>());
        Assert.True(ReactionsConfiguration.NeedsAwsEndpoint(configuration));
    }

    [Fact]
    public void A_zero_amount_alert_is_a_cloudevent_signed_so_an_independent_verifier_accepts_it()
    {
        Assert.True(ZeroAmountAlertsReaction.Takes(Adjusted));
        var message = ZeroAmountAlertsReaction.Make(Adjusted);
        var body = CloudEventJson.Serialize(message, CloudEventJson.DefaultSource);
        var json = JsonNode.Parse(body)!;
        Assert.Equal(("1.0", Adjusted.EventId.ToString(), "1212121", 4L), (json["specversion"]!.GetValue<string>(), json["id"]!.GetValue<string>(),
            json["subject"]!.GetValue<string>(), json["invoiceversion"]!.GetValue<long>()));
        Assert.Equal("USA", json["data"]!["country"]!.GetValue<string>());

        var secrets = new[] { WebhookSignature.NewSecret(), WebhookSignature.NewSecret() };
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var keys = secrets.Select(s => WebhookSignature.TryParseSecret(s, out var k) ? k : []).ToList();
        var signature = WebhookSignature.Sign(keys, message.IdText, timestamp, body);
        var headers = new HeaderDictionary
        {
            [WebhookSignature.IdHeader] = message.IdText,
            [WebhookSignature.TimestampHeader] = timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [WebhookSignature.SignatureHeader] = signature,
        };
        // Each secret of a rotation verifies on its own. (The StandardWebhooks package 1.1.2 stops before the last of several
        // space-separated signatures, so it checks the first; the receiver tests verify single-secret deliveries with it.)
        new StandardWebhook(secrets[0]).Verify(Encoding.UTF8.GetString(body), headers);
        foreach (var secret in secrets)
        {
            Assert.True(WebhookSignature.Verify([secret], message.IdText, headers[WebhookSignature.TimestampHeader], signature, body, DateTimeOffset.UtcNow));
        }

        Assert.False(WebhookSignature.Verify([WebhookSignature.NewSecret()], message.IdText, headers[WebhookSignature.TimestampHeader], signature, body, DateTimeOffset.UtcNow));
        Assert.False(WebhookSignature.Verify([secrets[0]], message.IdText, headers[WebhookSignature.TimestampHeader], signature, body, DateTimeOffset.UtcNow.AddMinutes(10)));
        body[^2] ^= 1;
        Assert.False(WebhookSignature.Verify([secrets[0]], message.IdText, headers[WebhookSignature.TimestampHeader], signature, body, DateTimeOffset.UtcNow));
    }
}
