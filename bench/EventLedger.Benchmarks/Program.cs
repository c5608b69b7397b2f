using EventLedger.Benchmarks.Infrastructure;
using EventLedger.Benchmarks.Scenarios;
using EventLedger.Server;
using EventLedger.EmbeddedStack;
using EventLedger.ProjectionHost.Hosting;
using Microsoft.Extensions.Logging;

// Usage: dotnet run -c Release --project bench/EventLedger.Benchmarks -- [scenario ...] [--ops N] [--concurrency N]
// Scenarios: append, catchup, latency, analytics, rebuild, steady, reactions, search, archive (default: all). Each scenario gets a fresh local stack (DynamoDB Local slows
// down writes to stream-enabled tables while other stream-enabled tables hold records, so scenarios must not share one). Results go to docs/benchmarks.md, each figure beside its ceiling from the same run.
var scenarios = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal) && !int.TryParse(a, out _)).ToList();
int Arg(string name, int fallback) =>
    Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length && int.TryParse(args[i + 1], out var v) ? v : fallback;

var root = RepositoryRootFinder.Find();
var options = new BenchOptions(Arg("--ops", 3000), Arg("--concurrency", 8), Path.Combine(root, "docs", "benchmarks.md"));
var known = new[] { "append", "catchup", "latency", "analytics", "rebuild", "steady", "reactions", "search", "archive" };
if (scenarios.Count == 0) scenarios.AddRange(known);
if (scenarios.FirstOrDefault(s => !known.Contains(s)) is { } unknown)
{
    Console.Error.WriteLine($"Unknown scenario '{unknown}'. Known: {string.Join(", ", known)}");
    return 2;
}

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cts.Cancel(); };
using var loggerFactory = ConsoleLogging.CreateFactory(LogLevel.Warning);
MachineInfo.WriteTo(options.ReportPath);
foreach (var scenario in scenarios)
{
    // The latency scenario reports DynamoDB Local's GC pauses in its measured window.
    using var jvmPauses = scenario == "latency" ? JvmPauses.LogFromNowOn() : null;
    await using var stack = await LocalStack.StartAsync(EmbeddedStackOptions.FromEnvironment() with { RepositoryRoot = root, NeedAwsEmulator = scenario == "archive" }, loggerFactory.CreateLogger("LocalStack"), cts.Token);
    jvmPauses?.StopStarting();
    switch (scenario)
    {
        case "append":
            await AppendScenario.RunAsync(stack, options, cts.Token);
            break;
        case "rebuild":
            await RebuildScenario.RunAsync(stack, options, Arg("--events", 1_000_000), cts.Token);
            break;
        case "catchup":
            await CatchupScenario.RunAsync(stack, options, Arg("--events", 100_000), HostOptions(), cts.Token);
            break;
        case "analytics":
            await AnalyticsScenario.RunAsync(stack, options, Arg("--events", 100_000), Arg("--facts", 1_000_000), Arg("--analytics-batch", 1000), cts.Token);
            break;
        case "steady":
            await SteadyStateScenario.RunAsync(stack, options, Arg("--rate", 200), Arg("--seconds", 60),
                () => LocalStack.StartAsync(EmbeddedStackOptions.FromEnvironment() with { RepositoryRoot = root }, loggerFactory.CreateLogger("LocalStack"), cts.Token), cts.Token);
            break;
        case "reactions":
            await ReactionsScenario.RunAsync(stack, options, Arg("--events", 3000), Arg("--rate", 100), Arg("--seconds", 30), cts.Token);
            break;
        case "search": await SearchScenario.RunAsync(stack, options, Arg("--events", 1_000_000), Arg("--search-batch", 1000), cts.Token); break;
        case "archive":
            await ArchiveScenario.RunAsync(stack, options, Arg("--events", 1_000_000), Arg("--throughput-events", 200_000), cts.Token);
            break;
        case "latency":
            await LatencyScenario.RunAsync(stack, options, Arg("--rate", 100), Arg("--seconds", 30), new ProjectionHostOptions(), jvmPauses, cts.Token);
            break;
    }
}

Console.WriteLine($"Results written to {options.ReportPath}");
return 0;

// The projection host's settings for the scenarios: the product defaults unless --batch / --parallel are given.
ProjectionHostOptions HostOptions()
{
    var defaults = new ProjectionHostOptions();
    return defaults with { BatchSize = Arg("--batch", defaults.BatchSize), ParallelizationFactor = Arg("--parallel", defaults.ParallelizationFactor) };
}
