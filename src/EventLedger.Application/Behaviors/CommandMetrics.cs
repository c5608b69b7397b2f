using System.Diagnostics.Metrics;

namespace EventLedger.Application.Behaviors;

/// <summary>Command counters and latency (OpenTelemetry picks the meter up by name).</summary>
public static class CommandMetrics
{
    public const string MeterName = "EventLedger.Commands";
    private static readonly Meter Meter = new(MeterName);
    private static readonly Counter<long> Commands = Meter.CreateCounter<long>("eventledger.commands", description: "Commands handled, by command and outcome");
    private static readonly Histogram<double> Duration = Meter.CreateHistogram<double>("eventledger.command.duration", unit: "ms", description: "Command handling time");

    public static void Handled(string command, string outcome, TimeSpan elapsed)
    {
        var tags = new KeyValuePair<string, object?>[] { new("command", command), new("outcome", outcome) };
        Commands.Add(1, tags);
        Duration.Record(elapsed.TotalMilliseconds, tags);
    }
}
