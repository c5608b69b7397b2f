using System.Runtime.InteropServices;

namespace EventLedger.Benchmarks.Infrastructure;

/// <summary>What machine a run was on, written at the top of docs/benchmarks.md.</summary>
public static class MachineInfo
{
    public static string Describe()
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        var memKb = File.Exists("/proc/meminfo")
            ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return $"{Environment.ProcessorCount} cores ({cpu ?? "unknown CPU"}), {memKb ?? "?"} memory, {RuntimeInformation.OSDescription}, " +
            $".NET {Environment.Version}, DynamoDB Local 3.3.0 (in memory, Java 17) and PostgreSQL 15 (shared_buffers 512 MB, wal_buffers 16 MB, max_wal_size 4 GB, fsync and synchronous commit on) on the same machine, no Docker.";
    }

    public static void WriteTo(string path)
    {
        var text = File.Exists(path) ? File.ReadAllText(path) : "# Benchmarks\n\n<!-- machine -->\n<!-- /machine -->\n";
        const string begin = "<!-- machine -->", end = "<!-- /machine -->";
        var i = text.IndexOf(begin, StringComparison.Ordinal);
        var j = text.IndexOf(end, StringComparison.Ordinal);
        var section = $"{begin}\nMachine of the latest run: {Describe()}\n{end}";
        text = i >= 0 && j > i ? text[..i] + section + text[(j + end.Length)..] : section + "\n\n" + text;
        File.WriteAllText(path, text);
    }
}
