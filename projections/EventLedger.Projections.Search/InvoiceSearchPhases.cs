using System.Collections.Concurrent;
using System.Diagnostics;

namespace EventLedger.Projections.Search;

/// <summary>Time spent per step of the stream path, summed over batches (a benchmark aid; not thread-safe per step order).</summary>
internal sealed class InvoiceSearchPhases
{
    private readonly ConcurrentDictionary<string, long> _ticks = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();

    public long Start() => Stopwatch.GetTimestamp();

    public void Lap(string phase, ref long? mark)
    {
        var now = Stopwatch.GetTimestamp();
        var elapsed = now - (mark ?? now);
        if (_ticks.TryAdd(phase, elapsed)) _order.Enqueue(phase);
        else _ticks.AddOrUpdate(phase, elapsed, (_, sum) => sum + elapsed);
        mark = now;
    }

    /// <summary>(step, seconds) in first-seen order.</summary>
    public IReadOnlyList<(string Phase, double Seconds)> Totals() =>
        [.. _order.Select(p => (p, _ticks[p] / (double)Stopwatch.Frequency))];
}
