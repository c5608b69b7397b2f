using System.Collections.Concurrent;
using System.Diagnostics;

namespace EventLedger.Projections.Search;

/// <summary>Time spent per step of the stream path, summed over batches (a benchmark aid).</summary>
internal sealed class InvoiceSearchPhases
{
    private readonly ConcurrentDictionary<string, long> _ticks = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();

    /// <summary>Adds the time since <paramref name="since"/> (a <see cref="Stopwatch.GetTimestamp"/>) to <paramref name="phase"/>; returns now.</summary>
    public long Lap(string phase, long since)
    {
        var now = Stopwatch.GetTimestamp();
        var elapsed = now - since;
        if (_ticks.TryAdd(phase, elapsed)) _order.Enqueue(phase);
        else _ticks.AddOrUpdate(phase, elapsed, (_, sum) => sum + elapsed);
        return now;
    }

    /// <summary>(step, seconds) in first-seen order.</summary>
    public IReadOnlyList<(string Phase, double Seconds)> Totals() =>
        [.. _order.Select(p => (p, _ticks[p] / (double)Stopwatch.Frequency))];
}
