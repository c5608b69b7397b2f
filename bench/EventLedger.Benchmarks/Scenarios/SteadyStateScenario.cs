using System.Globalization;
using System.Net;
using System.Text;
using EventLedger.Benchmarks.Infrastructure;
using EventLedger.Server;
using EventLedger.EmbeddedStack;

namespace EventLedger.Benchmarks.Scenarios;

/// <summary>
/// Memory of the projection host at steady state: the product's server (<c>eventledger serve</c>: API and projection
/// host with all five read models, analytics included) as a child process, fed commands through its own HTTP API for a
/// while; its resident set is sampled every 250 ms and its VmHWM read at the end (reset after a warm-up).
/// </summary>
public static class SteadyStateScenario
{
    private const double TargetMb = 150;
    private const double Mb = 1024 * 1024;

    public static async Task RunAsync(LocalStack stack, BenchOptions options, int seconds, CancellationToken ct)
    {
        var report = new BenchReport("steady", "Server memory at steady state");
        var prefix = $"benchss{DateTime.UtcNow:HHmmss}-";
        var environment = new Dictionary<string, string>
        {
            [EmbeddedStackOptions.DynamoDbEndpointVariable] = stack.DynamoDbEndpoint!,
            [EmbeddedStackOptions.PostgresVariable] = stack.PostgresConnectionString ?? throw new InvalidOperationException("The local stack has no PostgreSQL."),
            [EventLedgerSettings.TablePrefixVariable] = prefix,
        };
        Console.WriteLine("Steady-state scenario: starting eventledger serve (child process)…");
        await using var server = await ServerProcess.StartAsync(environment, ct);
        var idle = server.MemoryBytes();
        var atRest = await server.MemoryBreakdownAsync(ct);

        Console.WriteLine("  warm-up: 500 commands");
        await LoadAsync(server, 500, 0, ct);
        server.ResetPeakMemory();
        long sampledMax = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                sampledMax = Math.Max(sampledMax, server.MemoryBytes());
                try { await Task.Delay(250, sampling.Token); } catch (OperationCanceledException) { }
            }
        }, CancellationToken.None);

        var until = DateTime.UtcNow.AddSeconds(seconds);
        var total = 0;
        var errors = 0;
        var started = System.Diagnostics.Stopwatch.StartNew();
        while (DateTime.UtcNow < until)
        {
            var result = await LoadAsync(server, 400, 500 + total, ct);
            total += result.Operations;
            errors += result.Errors;
        }

        var rate = total / started.Elapsed.TotalSeconds;
        await sampling.CancelAsync();
        await sampler;
        var peak = server.PeakMemoryBytes();
        var end = server.MemoryBytes();
        var breakdown = await server.MemoryBreakdownAsync(ct);
        report.Add(new($"server peak RSS at steady state (VmHWM; API + projection host, 5 read models) under {rate:N0} commands/s for {started.Elapsed.TotalSeconds:N0} s",
            peak / Mb, "MB", "target", TargetMb, null, $"{total:N0} commands, {errors} errors"));
        report.Add(new("server RSS, highest 250 ms sample", sampledMax / Mb, "MB", "target", TargetMb, null));
        report.Add(new("server RSS at the end of the load", end / Mb, "MB", "at rest after start-up", idle / Mb, null));
        report.Add(new("  of which anonymous (GC heap, native allocations, thread stacks)", breakdown.Anonymous / Mb, "MB", "", null, null));
        report.Add(new("  of which file-backed (assemblies and native libraries, mapped)", breakdown.FileBacked / Mb, "MB", "", null, null));
        report.Add(new("  of which shared (JIT code and stubs, double-mapped for W^X)", breakdown.Shared / Mb, "MB", "", null, null));
        // What the server maps and generates before its first command (runtime, framework, libraries, JIT code and stubs of
        // start-up): no load can go below it, so it shows how much of the target is left for the load itself.
        var code = atRest.FileBacked + atRest.Shared;
        report.Add(new("server RSS at rest after start-up (before the first command)", atRest.Rss / Mb, "MB", "target", TargetMb, null,
            $"file-backed {atRest.FileBacked / Mb:N1} + shared {atRest.Shared / Mb:N1} = {code / Mb:N1} MB of code before any heap; anonymous {atRest.Anonymous / Mb:N1} MB; the load added {(peak - atRest.Rss) / Mb:N0} MB at its peak"));
        if (breakdown.GcCommitted is { } committed)
        {
            report.Add(new("GC committed after its last collection", committed / Mb, "MB", "GC heap (live + not yet collected)", (breakdown.GcHeap ?? 0) / Mb, null,
                $"fragmentation {(breakdown.GcFragmentation ?? 0) / Mb:N1} MB; {breakdown.Threads} threads"));
        }

        report.Note("The breakdown is read at the end of the load (/proc/PID/status RssAnon, RssFile, RssShmem; the GC's figures from the runtime meter on /metrics). `eventledger memory` prints the GC and JIT settings the server runs with; README \"Memory settings\" says how to change them.");
        report.Note("The target in brief §10 is ≤ 150 MB RSS for the server (API and projection host, every read model) at steady state under 200 commands/s. Commands: RecordTransaction through POST /invoices/{n}/transactions on 500 invoices, 8 in flight (closed loop, as fast as DynamoDB Local takes them). Run: `dotnet run -c Release --project bench/EventLedger.Benchmarks -- steady [--seconds N]` (default 60).");
        report.Note(CatchupScenario.Load());
        report.WriteTo(options.ReportPath);
    }

    private static Task<LoadResult> LoadAsync(ServerProcess server, int count, int offset, CancellationToken ct) =>
        LoadRunner.RunAsync("commands", count, 8, async (_, i) =>
        {
            var n = offset + i;
            var body = $$"""{"transactionId":"s{{n.ToString(CultureInfo.InvariantCulture)}}","amount":{{(n % 997).ToString(CultureInfo.InvariantCulture)}},"currency":"EUR","country":"{{(n % 2 == 0 ? "DE" : "FR")}}","invoiceDate":"2020-01-15"}""";
            using var response = await server.Http.PostAsync($"invoices/SS-{n % 500}/transactions", new StringContent(body, Encoding.UTF8, "application/json"), ct);
            if (response.StatusCode != HttpStatusCode.Created) throw new InvalidOperationException($"{(int)response.StatusCode}");
        }, ct);
}
