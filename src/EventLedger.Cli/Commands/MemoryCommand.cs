using System.CommandLine;
using System.Globalization;

namespace EventLedger.Cli.Commands;

/// <summary>
/// <c>eventledger memory</c>: the memory settings this process runs with, as the runtime applied them — the defaults of
/// eventledger.runtimeconfig.json (README "Memory settings") unless a <c>DOTNET_…</c> environment variable overrides one.
/// Every command of the CLI, <c>serve</c> included, runs with the same settings, so this shows what a server started in
/// the same environment gets.
/// </summary>
internal static class MemoryCommand
{
    /// <summary>One setting: its name here, the value in effect, the runtimeconfig.json property and the environment variable that set it.</summary>
    internal sealed record Setting(string Name, string Value, string RuntimeConfig, string Environment);

    public static Command Create()
    {
        var command = new Command("memory", "Show the memory settings in effect (GC mode, gen0 budget, heap limit, JIT) and how to override them");
        command.SetAction(async (parse, _) =>
        {
            var output = parse.InvocationConfiguration.Output;
            foreach (var s in Current())
            {
                await output.WriteLineAsync($"{s.Name,-20} {s.Value,-12} {s.RuntimeConfig,-28} {s.Environment}");
            }

            return 0;
        });
        return command;
    }

    /// <summary>The settings in effect in this process.</summary>
    public static IReadOnlyList<Setting> Current()
    {
        var gc = GC.GetConfigurationVariables();
        string Gc(string key) => gc.TryGetValue(key, out var value) ? Convert.ToString(value, CultureInfo.InvariantCulture)!.ToLowerInvariant() : "?";
        var available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        return
        [
            new("gc.server", Gc("ServerGC"), "System.GC.Server", "DOTNET_gcServer"),
            new("gc.concurrent", Gc("ConcurrentGC"), "System.GC.Concurrent", "DOTNET_gcConcurrent"),
            new("gc.gen0MaxBudget", Gc("GCGen0MaxBudget"), "System.GC.Gen0MaxBudget", "DOTNET_GCGen0MaxBudget (hex)"),
            new("gc.conserveMemory", Gc("GCConserveMem"), "System.GC.ConserveMemory", "DOTNET_GCConserveMemory"),
            new("gc.heapHardLimit", Gc("GCHeapHardLimit"), "System.GC.HeapHardLimit", "DOTNET_GCHeapHardLimit (hex)"),
            new("gc.availableMemory", available.ToString(CultureInfo.InvariantCulture), "(machine or container limit)", "-"),
            new("jit.tieredPGO", RuntimeSwitch("TieredPGO", "System.Runtime.TieredPGO"), "System.Runtime.TieredPGO", "DOTNET_TieredPGO"),
            new("jit.tieredCompilation", RuntimeSwitch("TieredCompilation", "System.Runtime.TieredCompilation"), "System.Runtime.TieredCompilation", "DOTNET_TieredCompilation"),
        ];
    }

    /// <summary>A runtime (not GC) switch: the environment variable wins over runtimeconfig.json, as the runtime reads it.</summary>
    private static string RuntimeSwitch(string variable, string property)
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("DOTNET_" + variable) ?? Environment.GetEnvironmentVariable("COMPlus_" + variable);
        if (fromEnvironment is { Length: > 0 })
        {
            return fromEnvironment.Trim() is "0" ? "false" : "true";
        }

        return AppContext.GetData(property) switch
        {
            null => "default",
            var value => Convert.ToString(value, CultureInfo.InvariantCulture)!.ToLowerInvariant(),
        };
    }
}
