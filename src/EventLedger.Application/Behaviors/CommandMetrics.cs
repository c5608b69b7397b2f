using System.Diagnostics.Metrics;

namespace EventLedger.Application.Behaviors;

/// <summary>
/// Command counters and latency, and the head cache's hits, misses and stale heads (meter <c>EventLedger.Commands</c>,
/// created through the host's <see cref="IMeterFactory"/> so each app in a process has its own instruments).
/// </summary>
public sealed class CommandMetrics
{
    public const string MeterName = "EventLedger.Commands";
    private readonly Counter<long> _commands;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _headCacheLookups;
    private readonly Counter<long> _headCacheStale;

    public CommandMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _commands = meter.CreateCounter<long>("eventledger.commands", description: "Commands handled, by command and outcome");
        _duration = meter.CreateHistogram<double>("eventledger.command.duration", unit: "ms", description: "Command handling time");
        _headCacheLookups = meter.CreateCounter<long>("eventledger.head_cache.lookups",
            description: "Invoice head cache lookups by result (hit: decided without reading the decision state; miss: read it)");
        _headCacheStale = meter.CreateCounter<long>("eventledger.head_cache.stale",
            description: "Commands decided on a cached invoice head that had to be decided again on a fresh read");
    }

    public void HeadCacheLookup(bool hit) => _headCacheLookups.Add(1, new KeyValuePair<string, object?>("result", hit ? "hit" : "miss"));

    public void HeadCacheStale() => _headCacheStale.Add(1);

    public void Handled(string command, string outcome, TimeSpan elapsed)
    {
        var tags = new KeyValuePair<string, object?>[] { new("command", command), new("outcome", outcome) };
        _commands.Add(1, tags);
        _duration.Record(elapsed.TotalMilliseconds, tags);
    }
}
