using System.Diagnostics.Metrics;

namespace EventLedger.ProjectionHost.Processing;

/// <summary>
/// Events applied per read model, and how far behind the newest applied event was when applied (meter
/// <c>EventLedger.Projections</c>, created through the host's <see cref="IMeterFactory"/>).
/// </summary>
public sealed class ProjectionMetrics
{
    public const string MeterName = "EventLedger.Projections";
    private readonly Counter<long> _eventsApplied;
    private readonly Histogram<double> _applyLag;
    private readonly TimeProvider _clock;

    public ProjectionMetrics(IMeterFactory meters, TimeProvider? clock = null)
    {
        var meter = meters.Create(MeterName);
        _eventsApplied = meter.CreateCounter<long>("eventledger.projections.events_applied", "{event}", "Events applied to a read model");
        _applyLag = meter.CreateHistogram<double>("eventledger.projections.apply_lag", "ms", "Time from an event's append to its application in a read model");
        _clock = clock ?? TimeProvider.System;
    }

    public void Applied(string readModel, int count, DateTimeOffset newestRecordedAt)
    {
        var tag = new KeyValuePair<string, object?>("read_model", readModel);
        _eventsApplied.Add(count, tag);
        _applyLag.Record(Math.Max(0, (_clock.GetUtcNow() - newestRecordedAt).TotalMilliseconds), tag);
    }
}
