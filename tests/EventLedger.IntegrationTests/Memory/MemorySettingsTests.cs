using System.Diagnostics;
using System.Text.Json;

namespace EventLedger.IntegrationTests.Memory;

/// <summary>
/// The memory settings every <c>eventledger</c> process runs with (README "Memory settings"): pinned in the built
/// eventledger.runtimeconfig.json, applied by the runtime (<c>eventledger memory</c> reads them back from the GC), and each
/// overridden by its <c>DOTNET_</c> variable.
/// </summary>
public sealed class MemorySettingsTests
{
    [Fact]
    public void The_built_cli_carries_the_memory_defaults_in_its_runtimeconfig()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "eventledger.runtimeconfig.json")));
        var properties = json.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");
        Assert.False(properties.GetProperty("System.GC.Server").GetBoolean());
        Assert.False(properties.GetProperty("System.GC.Concurrent").GetBoolean());
        Assert.Equal(4 * 1024 * 1024, properties.GetProperty("System.GC.Gen0MaxBudget").GetInt64());
        Assert.Equal(5, properties.GetProperty("System.GC.ConserveMemory").GetInt32());
        Assert.False(properties.GetProperty("System.Runtime.TieredPGO").GetBoolean());
        Assert.False(properties.GetProperty("System.Runtime.TieredCompilation").GetBoolean());
        // No heap hard limit by default: in a container the runtime takes 75% of the cgroup's limit by itself.
        Assert.False(properties.TryGetProperty("System.GC.HeapHardLimit", out _));
    }

    [Fact]
    public async Task The_runtime_applies_the_defaults()
    {
        var settings = await MemoryCommandAsync(new Dictionary<string, string>());
        Assert.Equal("false", settings["gc.server"]);
        Assert.Equal("false", settings["gc.concurrent"]);
        Assert.Equal("4194304", settings["gc.gen0MaxBudget"]);
        Assert.Equal("5", settings["gc.conserveMemory"]);
        Assert.Equal("false", settings["jit.tieredPGO"]);
        Assert.Equal("false", settings["jit.tieredCompilation"]);
    }

    [Fact]
    public async Task Each_setting_is_overridden_by_its_environment_variable()
    {
        var settings = await MemoryCommandAsync(new Dictionary<string, string>
        {
            ["DOTNET_gcConcurrent"] = "1",
            ["DOTNET_GCGen0MaxBudget"] = "0x1000000",
            ["DOTNET_GCConserveMemory"] = "0",
            ["DOTNET_TieredPGO"] = "1",
            ["DOTNET_TieredCompilation"] = "1",
        });
        Assert.Equal("true", settings["gc.concurrent"]);
        Assert.Equal("16777216", settings["gc.gen0MaxBudget"]);
        Assert.Equal("0", settings["gc.conserveMemory"]);
        Assert.Equal("true", settings["jit.tieredPGO"]);
        Assert.Equal("true", settings["jit.tieredCompilation"]);
    }

    /// <summary>
    /// <c>jit.tieredCompilation</c> in <c>eventledger memory</c> reports the setting; this checks what the JIT did with it:
    /// its own summary of every method it compiled (<c>DOTNET_JitDisasmSummary</c>, in release runtimes too) names no
    /// tier-0 method by default, and names them once the variable turns tiering back on.
    /// </summary>
    [Fact]
    public async Task The_jit_compiles_each_method_once_unless_tiering_is_turned_back_on()
    {
        var summary = Path.Combine(Path.GetTempPath(), $"eventledger-jit-{Guid.NewGuid():N}.txt");
        try
        {
            await MemoryCommandAsync(new Dictionary<string, string> { ["DOTNET_JitDisasmSummary"] = "1", ["DOTNET_JitStdOutFile"] = summary });
            var untiered = await File.ReadAllLinesAsync(summary);
            Assert.Contains(untiered, l => l.Contains("[FullOpts", StringComparison.Ordinal));
            Assert.DoesNotContain(untiered, l => l.Contains("[Tier0", StringComparison.Ordinal));

            await MemoryCommandAsync(new Dictionary<string, string>
            {
                ["DOTNET_JitDisasmSummary"] = "1", ["DOTNET_JitStdOutFile"] = summary, ["DOTNET_TieredCompilation"] = "1",
            });
            Assert.Contains(await File.ReadAllLinesAsync(summary), l => l.Contains("[Tier0", StringComparison.Ordinal));
        }
        finally
        {
            File.Delete(summary);
        }
    }

    /// <summary>Runs <c>eventledger memory</c> with exactly <paramref name="overrides"/> among the memory variables (none inherited).</summary>
    private static async Task<Dictionary<string, string>> MemoryCommandAsync(Dictionary<string, string> overrides)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "eventledger.dll"), "memory"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("DOTNET_gc", StringComparison.OrdinalIgnoreCase)
                     || k.StartsWith("COMPlus_gc", StringComparison.OrdinalIgnoreCase)
                     || k.Contains("Tiered", StringComparison.OrdinalIgnoreCase)
                     || k.StartsWith("DOTNET_Jit", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        foreach (var (key, value) in overrides) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(process.ExitCode == 0, $"eventledger memory exited {process.ExitCode}: {await error}");
        return (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries))
            .ToDictionary(parts => parts[0], parts => parts[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[0], StringComparer.Ordinal);
    }
}
