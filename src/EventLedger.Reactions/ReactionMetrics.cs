using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace EventLedger.Reactions;

/// <summary>Reaction metrics (meter <c>EventLedger.Reactions</c>), tagged with the reaction's name.</summary>
public static class ReactionMetrics
{
    public const string MeterName = "EventLedger.Reactions";
    private static readonly Meter Meter = new(MeterName);

    /// <summary>Messages by outcome: delivered, retried, rejected, gone, exhausted.</summary>
    public static readonly Counter<long> Messages = Meter.CreateCounter<long>("eventledger.reactions.messages", description: "Reaction messages by outcome");

    /// <summary>Duration of one send call to the sink.</summary>
    public static readonly Histogram<double> SendDuration = Meter.CreateHistogram<double>("eventledger.reactions.send.duration", "ms", "One call to a reaction's sink");

    /// <summary>From the event's recording to the sink's acknowledgement (live deliveries only).</summary>
    public static readonly Histogram<double> DeliveryLag = Meter.CreateHistogram<double>("eventledger.reactions.delivery.lag", "ms", "Event recorded to message acknowledged");

    public static void Count(string reaction, string outcome, int count = 1) =>
        Messages.Add(count, new TagList { { "reaction", reaction }, { "outcome", outcome } });
}
