using System.Globalization;
using System.Net;
using System.Text;
using EventLedger.Benchmarks.Infrastructure;
using EventLedger.Server;
using EventLedger.Server.Memory;
using EventLedger.EmbeddedStack;

namespace EventLedger.Benchmarks.Scenarios;

/// <summary>
/// Memory of the projection host at steady state: the product's server (<c>eventledger serve</c>: API and projection
/// host with every declared read model, analytics and search included) as a child process, fed commands through its own HTTP API for a
/// while; its resident set is sampled every 250 ms and its VmHWM read at the end (reset after a warm-up).
/// </summary>
public static class SteadyStateScenario
{
    private const double TargetMb = 150;
    private const int WarmupSeconds = 30;
    private const double Mb = 1024 * 1024;

    /// <param name="freshStack">
    /// A second local stack for the second server: DynamoDB Local slows down writes to stream-enabled tables while other
    /// stream-enabled tables hold records (a second server on the first one's stack ran 36–44 commands/s, not ~180).
    /// </param>
    public static async Task RunAsync(LocalStack stack, BenchOptions options, int rate, int seconds, Func<Task<LocalStack>> freshStack, CancellationToken ct)
    {
        var report = new BenchReport("steady", "Server memory at steady state");
        Console.WriteLine("Steady-state scenario: eventledger serve as a child process, from its own copy of the runtime and the app");
        var released = await MeasureAsync(stack, rate, seconds, releaseStartupCode: true, ct);
        Pass kept;
        Console.WriteLine("  a fresh local stack for the second server…");
        await using (var second = await freshStack())
        {
            kept = await MeasureAsync(second, rate, seconds, releaseStartupCode: false, ct);
        }

        var (peak, end, breakdown, atRest, afterRelease, releaseLine, largest) = released;
        report.Add(new($"server peak RSS at steady state (VmHWM; API + projection host with {released.Hosted.Count} read models: {string.Join(", ", released.Hosted)}) under {released.Rate:N0} commands/s for {released.Seconds:N0} s",
            peak / Mb, "MB", "target", TargetMb, null, $"{peak / Mb:N1} MB; {released.Commands:N0} commands, {released.Errors} errors"));
        report.Add(new("server RSS, highest 250 ms sample", released.Highest.Rss / Mb, "MB", "target", TargetMb, null,
            $"{released.HighestAt.TotalSeconds:N1} s into the load: anonymous {released.Highest.Anonymous / Mb:N1}, file-backed {released.Highest.FileBacked / Mb:N1}, shared {released.Highest.Shared / Mb:N1} MB"));
        report.Add(new($"server peak RSS during the {WarmupSeconds} s warm-up (the same load, from the first command after the release)", released.WarmupPeak / Mb, "MB", "target", TargetMb, null));
        report.Add(new("server RSS at the end of the load", end / Mb, "MB", "at rest after start-up", atRest.Resident.Rss / Mb, null));
        report.Add(new("  of which anonymous (GC heap, native allocations, thread stacks)", breakdown.Resident.Anonymous / Mb, "MB", "", null, null));
        report.Add(new("  of which file-backed (assemblies and native libraries, mapped)", breakdown.Resident.FileBacked / Mb, "MB", "", null, null));
        report.Add(new("  of which shared (JIT code and stubs, double-mapped for W^X)", breakdown.Resident.Shared / Mb, "MB", "", null, null));
        // What the server maps and generates before its first command (runtime, framework, libraries, JIT code and stubs of
        // start-up), and what is left of it once the start-up code is paged out.
        var code = atRest.Resident.FileBacked + atRest.Resident.Shared;
        report.Add(new("server RSS at rest after start-up (before the first command)", atRest.Resident.Rss / Mb, "MB", "target", TargetMb, null,
            $"file-backed {atRest.Resident.FileBacked / Mb:N1} + shared {atRest.Resident.Shared / Mb:N1} = {code / Mb:N1} MB of code before any heap; anonymous {atRest.Resident.Anonymous / Mb:N1} MB"));
        report.Add(new("server RSS at rest after the start-up code release", afterRelease.Resident.Rss / Mb, "MB", "target", TargetMb, null,
            releaseLine is null ? "no release logged within 60 s" : $"file-backed {afterRelease.Resident.FileBacked / Mb:N1} MB, shared {afterRelease.Resident.Shared / Mb:N1} MB, anonymous {afterRelease.Resident.Anonymous / Mb:N1} MB; the load added {(peak - afterRelease.Resident.Rss) / Mb:N0} MB at its peak"));
        if (breakdown.GcCommitted is { } committed)
        {
            report.Add(new("GC committed after its last collection", committed / Mb, "MB", "GC heap (live + not yet collected)", (breakdown.GcHeap ?? 0) / Mb, null,
                $"fragmentation {(breakdown.GcFragmentation ?? 0) / Mb:N1} MB; {breakdown.Threads} threads"));
        }

        report.Add(new($"the same server without the start-up code release (Memory__StartupCodeReleaseDelay=0), peak RSS under {kept.Rate:N0} commands/s for {kept.Seconds:N0} s",
            kept.Peak / Mb, "MB", "target", TargetMb, null,
            $"warm-up peak {kept.WarmupPeak / Mb:N0} MB; {kept.Commands:N0} commands, {kept.Errors} errors; at the end {kept.End / Mb:N0} MB: file-backed {kept.Breakdown.Resident.FileBacked / Mb:N1}, shared {kept.Breakdown.Resident.Shared / Mb:N1}, anonymous {kept.Breakdown.Resident.Anonymous / Mb:N1} MB"));

        report.Note("The breakdown is read at the end of the load (/proc/PID/status RssAnon, RssFile, RssShmem; the GC's figures from the runtime meter on /metrics). `eventledger memory` prints the GC and JIT settings the server runs with; README \"Memory settings\" says how to change them.");
        report.Note($"The target in brief §10 is ≤ 150 MB RSS for the server (API and projection host, every read model) at steady state under 200 commands/s. Commands: RecordTransaction through POST /invoices/{{n}}/transactions on 500 invoices, paced at {rate} commands/s (open loop: command i is sent at t0 + i/{rate} s, at most 32 in flight; a server slower than that gets a lower achieved rate, which the table names), after a warm-up of {WarmupSeconds} s of the same load (the code it runs read back and compiled at tier 1, the caches filled); the peak (VmHWM) is reset when the measured load begins. Run: `dotnet run -c Release --project bench/EventLedger.Benchmarks -- steady [--rate N] [--seconds N]` (default 200/s for 60 s). Runs before 2026-12-03 13:35 UTC loaded the server in a closed loop (8 in flight, as fast as DynamoDB Local took them: 163–364 commands/s over the runs), and runs before 14:05 reset the peak after 500 commands, so the start-up transient counted in their peaks.");
        report.Note($"Each server runs from its own copy of the .NET runtime and of the application (a temporary directory), as in a container of its own: pages of files the benchmark process maps too would count in the server's RSS, and the kernel does not page out pages that another process maps. The server with the release pages out its mapped files {StartupCodeReleaser.DefaultDelay.TotalSeconds:N0} s after start-up (`Memory:StartupCodeReleaseDelay`), before the warm-up; what it still runs is read back in on first use. "
            + (releaseLine is null ? "" : $"Its log: \"{releaseLine.Trim()}\"."));
        report.Note("Mapped files with the most resident pages at the end of the load, with the release (resident MB, of which also mapped by another process): "
            + string.Join("; ", largest.Select(f => $"{f.File} {f.ResidentKb / 1024.0:N1} ({f.SharedKb / 1024.0:N1})")) + ".");
        report.Note(CatchupScenario.Load());
        report.WriteTo(options.ReportPath);
    }

    private sealed record Pass(
        long Peak, long End, MemoryBreakdown Breakdown, MemoryBreakdown AtRest, MemoryBreakdown AfterRelease, string? ReleaseLine,
        IReadOnlyList<(string File, long ResidentKb, long SharedKb)> Largest)
    {
        public IReadOnlyList<string> Hosted { get; init; } = [];
        public long WarmupPeak { get; init; }
        public ResidentSet Highest { get; init; }
        public TimeSpan HighestAt { get; init; }
        public double Rate { get; init; }
        public double Seconds { get; init; }
        public int Commands { get; init; }
        public int Errors { get; init; }
    }

    private static async Task<Pass> MeasureAsync(LocalStack stack, int rate, int seconds, bool releaseStartupCode, CancellationToken ct)
    {
        var environment = new Dictionary<string, string>
        {
            [EmbeddedStackOptions.DynamoDbEndpointVariable] = stack.DynamoDbEndpoint!,
            [EmbeddedStackOptions.PostgresVariable] = stack.PostgresConnectionString ?? throw new InvalidOperationException("The local stack has no PostgreSQL."),
            [EventLedgerSettings.TablePrefixVariable] = $"benchss{DateTime.UtcNow:HHmmss}-",
        };
        if (!releaseStartupCode)
        {
            environment["Memory__StartupCodeReleaseDelay"] = "0";
        }

        Console.WriteLine($"  server {(releaseStartupCode ? "with" : "without")} the start-up code release: starting…");
        await using var server = await ServerProcess.StartAsync(environment, ct, ownCopy: true);
        var atRest = await server.MemoryBreakdownAsync(ct);
        // What the server hosts, as its operators see it (GET /projections): every declared read model, search included.
        using var projections = System.Text.Json.JsonDocument.Parse(await server.Http.GetStringAsync("projections", ct));
        var hosted = projections.RootElement.EnumerateArray().Select(p => p.GetProperty("name").GetString()!).ToList();
        string? releaseLine = null;
        if (releaseStartupCode)
        {
            Console.WriteLine("  waiting for the server's start-up code release…");
            releaseLine = await server.WaitForOutputAsync("Start-up over", TimeSpan.FromSeconds(60), ct);
        }
        else
        {
            // The same time at rest as the other pass (whose server releases after the default delay), so both loads start on
            // a server of the same age.
            await Task.Delay(StartupCodeReleaser.DefaultDelay, ct);
        }

        var afterRelease = await server.MemoryBreakdownAsync(ct);
        // The warm-up is the same load for WarmupSeconds: the code the load runs is read back and compiled at tier 1, the
        // caches fill, the GC finds its budgets. Its own peak is reported beside the steady one.
        Console.WriteLine($"  warm-up: {WarmupSeconds} s at {rate}/s");
        await LoadAsync(server, rate * WarmupSeconds, 0, ct, rate);
        var warmupPeak = server.PeakMemoryBytes();
        server.ResetPeakMemory();
        ResidentSet highest = default;
        var highestAt = TimeSpan.Zero;
        var loadClock = System.Diagnostics.Stopwatch.StartNew();
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                if (server.MemorySample() is var sample && sample.Rss > highest.Rss)
                {
                    (highest, highestAt) = (sample, loadClock.Elapsed);
                }

                try { await Task.Delay(250, sampling.Token); } catch (OperationCanceledException) { }
            }
        }, CancellationToken.None);

        // Paced at the target's rate (open loop, at most 32 in flight): the figure is the server's memory under the load the
        // target names, not under whatever a closed loop reaches on the day (163–364 commands/s on this machine).
        var measured = await LoadAsync(server, rate * seconds, rate * WarmupSeconds, ct, rate);
        var total = measured.Operations;
        var errors = measured.Errors;
        var achieved = total / measured.Elapsed.TotalSeconds;
        await sampling.CancelAsync();
        await sampler;
        var peak = server.PeakMemoryBytes();
        var end = server.MemoryBytes();
        var breakdown = await server.MemoryBreakdownAsync(ct);
        Console.WriteLine($"  peak {peak / Mb:N1} MB (warm-up {warmupPeak / Mb:N1} MB), end {end / Mb:N1} MB under {achieved:N0} commands/s (scheduled {rate}/s)");
        return new Pass(peak, end, breakdown, atRest, afterRelease, releaseLine, server.LargestMappedFiles(8))
        {
            Hosted = hosted, WarmupPeak = warmupPeak, Highest = highest, HighestAt = highestAt, Rate = achieved, Seconds = measured.Elapsed.TotalSeconds, Commands = total, Errors = errors,
        };
    }

    private static Task<LoadResult> LoadAsync(ServerProcess server, int count, int offset, CancellationToken ct, double? rate = null) =>
        LoadRunner.RunAsync("commands", count, rate is null ? 8 : 32, async (_, i) =>
        {
            var n = offset + i;
            var body = $$"""{"transactionId":"s{{n.ToString(CultureInfo.InvariantCulture)}}","amount":{{(n % 997).ToString(CultureInfo.InvariantCulture)}},"currency":"EUR","country":"{{(n % 2 == 0 ? "DE" : "FR")}}","invoiceDate":"2020-01-15"}""";
            using var response = await server.Http.PostAsync($"invoices/SS-{n % 500}/transactions", new StringContent(body, Encoding.UTF8, "application/json"), ct);
            if (response.StatusCode != HttpStatusCode.Created) throw new InvalidOperationException($"{(int)response.StatusCode}");
        }, ct, rate);
}
