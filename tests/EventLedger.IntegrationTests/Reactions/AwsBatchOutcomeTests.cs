using EventLedger.Reactions.Sinks;

namespace EventLedger.IntegrationTests.Reactions;

/// <summary>How an SQS or SNS batch answer becomes one outcome per message (both sinks share it).</summary>
public sealed class AwsBatchOutcomeTests
{
    [Fact]
    public void Each_entry_is_delivered_retried_or_rejected_by_what_the_service_said_of_it()
    {
        var outcomes = AwsFailures.BatchOutcomes(5, "SQS q", delivered: ["0"], failed:
        [
            ("1", true, "InvalidParameterValue", "bad attribute"),
            ("2", true, "ThrottlingException", "slow down"),
            ("3", false, "InternalError", "try again"),
        ]);

        Assert.Equal(
            [DeliveryStatus.Delivered, DeliveryStatus.Rejected, DeliveryStatus.Retry, DeliveryStatus.Retry, DeliveryStatus.Retry],
            outcomes.Select(o => o.Status));
        Assert.Equal("SQS q: InvalidParameterValue bad attribute", outcomes[1].Detail);
        Assert.Equal("SQS q did not report this entry", outcomes[4].Detail);
    }
}
