using System.Diagnostics;

namespace EventLedger.Benchmarks.Infrastructure;

/// <summary>Throughput and latency of one operation run by N concurrent workers, with a progress line each second.</summary>
public sealed record LoadResult(int Operations, TimeSpan Elapsed, double[] LatenciesMs, int Errors)
{
    public double PerSecond => Operations / Elapsed.TotalSeconds;
    public double P50 => Percentile(0.50);
    public double P99 => Percentile(0.99);

    public double Percentile(double p)
    {
        if (LatenciesMs.Length == 0) return double.NaN;
        var sorted = LatenciesMs.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
    }
}

public static class LoadRunner
{
    /// <summary>
    /// Runs <paramref name="operation"/>(worker, index) <paramref name="total"/> times across <paramref name="concurrency"/>
    /// workers: as fast as they go (closed loop), or, with <paramref name="ratePerSecond"/>, operation i not before
    /// t0 + i/rate (paced; a server slower than the rate gets at most <paramref name="concurrency"/> operations in flight).
    /// </summary>
    public static async Task<LoadResult> RunAsync(string label, int total, int concurrency, Func<int, int, Task> operation, CancellationToken ct,
        double? ratePerSecond = null)
    {
        var latencies = new double[total];
        var next = -1;
        var done = 0;
        var errors = 0;
        var clock = Stopwatch.StartNew();
        // A terminal gets one line rewritten in place; a log file gets a line every 5 s.
        var redirected = Console.IsOutputRedirected;
        using var progress = new Timer(
            _ => Console.Write($"{(redirected ? "" : "\r")}  {label}: {Volatile.Read(ref done):N0}/{total:N0} ({Volatile.Read(ref done) / Math.Max(0.001, clock.Elapsed.TotalSeconds):N0}/s){(redirected ? "\n" : "   ")}"),
            null, redirected ? 5000 : 1000, redirected ? 5000 : 1000);
        var workers = Enumerable.Range(0, concurrency).Select(w => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < total && !ct.IsCancellationRequested)
            {
                if (ratePerSecond is { } rate && TimeSpan.FromSeconds(i / rate) - clock.Elapsed is { TotalMilliseconds: > 1 } wait)
                {
                    await Task.Delay(wait, ct);
                }

                var started = Stopwatch.GetTimestamp();
                try
                {
                    await operation(w, i);
                }
                catch (Exception) when (!ct.IsCancellationRequested)
                {
                    Interlocked.Increment(ref errors);
                }

                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                Interlocked.Increment(ref done);
            }
        }, ct)).ToArray();
        await Task.WhenAll(workers);
        clock.Stop();
        if (!redirected)
        {
            Console.Write("\r" + new string(' ', 80) + "\r");
        }
        return new LoadResult(total, clock.Elapsed, latencies, errors);
    }
}
