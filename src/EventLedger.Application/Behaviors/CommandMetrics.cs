using System.Diagnostics.Metrics;

namespace EventLedger.Application.Behaviors;

/// <summary>Command counters and latency (OpenTelemetry picks the meter up by name).</summary>
public static class CommandMetrics
{
    public const string MeterName = "EventLedger.Commands";
    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Commands = Meter.CreateCounter<long>("eventledger.commands", description: "Commands handled, by command and outcome");
    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("eventledger.command.duration", unit: "ms", description: "Command handling time");

    private static readonly Counter<long> HeadCacheLookups = Meter.CreateCounter<long>("eventledger.head_cache.lookups",
        description: "Invoice head cache lookups by result (hit: decided without reading the decision state; miss: read it)");
    private static readonly Counter<long> HeadCacheStaleEntries = Meter.CreateCounter<long>("eventledger.head_cache.stale",
        description: "Commands decided on a cached invoice head that had to be decided again on a fresh read");

    public static void HeadCacheLookup(bool hit) => HeadCacheLookups.Add(1, new KeyValuePair<string, object?>("result", hit ? "hit" : "miss"));

    public static void HeadCacheStale() => HeadCacheStaleEntries.Add(1);

    public static void Handled(string command, string outcome, TimeSpan elapsed)
    {
        var tags = new KeyValuePair<string, object?>[] { new("command", command), new("outcome", outcome) };
        Commands.Add(1, tags);
        Duration.Record(elapsed.TotalMilliseconds, tags);
    }
}
