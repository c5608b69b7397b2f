using EventLedger.Projections.Contracts;
using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace EventLedger.ProjectionHost.Processing;

/// <summary>Events applied per read model, and how far behind the newest applied event was when applied (meter <c>EventLedger.Projections</c>).</summary>
public static class ProjectionMetrics
{
    public const string MeterName = "EventLedger.Projections";
    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> EventsApplied = Meter.CreateCounter<long>("eventledger.projections.events_applied", "{event}", "Events applied to a read model");
    private static readonly Histogram<double> ApplyLag = Meter.CreateHistogram<double>("eventledger.projections.apply_lag", "ms", "Time from an event's append to its application in a read model");
    private static readonly Counter<long> NotProjectedRecords = Meter.CreateCounter<long>("eventledger.projections.records_not_projected", "{record}",
        "Stream records that are not events (reason ttl-deletion: DynamoDB's TTL; changed-by-hand: a REMOVE or MODIFY by anyone else)");
    private static readonly ConcurrentDictionary<string, long> Totals = new(StringComparer.Ordinal);

    public static void Applied(string readModel, int count, DateTimeOffset newestRecordedAt)
    {
        var tag = new KeyValuePair<string, object?>("read_model", readModel);
        EventsApplied.Add(count, tag);
        ApplyLag.Record(Math.Max(0, (DateTimeOffset.UtcNow - newestRecordedAt).TotalMilliseconds), tag);
        Totals.AddOrUpdate(readModel, count, (_, total) => total + count);
    }

    public static void NotProjected(string readModel, string reason) =>
        NotProjectedRecords.Add(1, new KeyValuePair<string, object?>("read_model", readModel), new KeyValuePair<string, object?>("reason", reason));

    /// <summary>Events applied by this process since it started, per read model.</summary>
    public static long AppliedBy(string readModel) => Totals.GetValueOrDefault(readModel);
}
