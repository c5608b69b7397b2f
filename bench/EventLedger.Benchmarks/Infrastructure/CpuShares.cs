using System.Globalization;

namespace EventLedger.Benchmarks.Infrastructure;

/// <summary>
/// Where the machine's CPU went during a measured window, in cores (Linux /proc): DynamoDB Local (the process serving
/// the run's endpoint), this benchmark process (the app under test runs in it), PostgreSQL, and the whole machine. It shows
/// which process is near its ceiling when a latency target is missed (on this machine DynamoDB Local was seen at
/// 0.8–1.1 cores under load, never much above one, while the machine had a second core).
/// </summary>
public sealed class CpuShares
{
    private const double TicksPerSecond = 100; // USER_HZ on Linux
    private readonly Dictionary<string, Func<IEnumerable<int>>> _groups;
    private Dictionary<string, long> _before = [];
    private (long Busy, long Total) _machineBefore;
    private DateTime _startedAt;

    private CpuShares(Dictionary<string, Func<IEnumerable<int>>> groups) => _groups = groups;

    /// <summary>DynamoDB Local on <paramref name="dynamoDbEndpoint"/>'s port, this process, and every postgres process.</summary>
    public static CpuShares ForRun(string? dynamoDbEndpoint)
    {
        var port = dynamoDbEndpoint is null ? null : new Uri(dynamoDbEndpoint).Port.ToString(CultureInfo.InvariantCulture);
        return new CpuShares(new()
        {
            ["DynamoDB Local"] = () => Processes(cmd => cmd.Contains("DynamoDBLocal", StringComparison.Ordinal) && port is not null && cmd.Contains($"\0-port\0{port}\0", StringComparison.Ordinal)),
            ["this process (app + load)"] = () => [Environment.ProcessId],
            ["PostgreSQL"] = () => Processes(cmd => cmd.StartsWith("postgres", StringComparison.Ordinal) || cmd.Contains("/bin/postgres", StringComparison.Ordinal)),
        });
    }

    public static bool Supported => File.Exists("/proc/stat");

    public void Start()
    {
        if (!Supported)
        {
            return;
        }

        _before = _groups.ToDictionary(g => g.Key, g => Ticks(g.Value()));
        _machineBefore = MachineTicks();
        _startedAt = DateTime.UtcNow;
    }

    /// <summary>"CPU during the measured window, in cores: DynamoDB Local 0.97, … the whole machine 1.84 of 2" since <see cref="Start"/>.</summary>
    public string Describe() => Supported ? $"CPU during the measured window, in cores: {Shares()}" : "CPU shares: not measured (no /proc).";

    /// <summary>"DynamoDB Local 0.97, …; the whole machine 1.84 of 2" (cores) since <see cref="Start"/>.</summary>
    public string Shares()
    {
        if (!Supported)
        {
            return "not measured (no /proc)";
        }

        var seconds = (DateTime.UtcNow - _startedAt).TotalSeconds;
        var parts = _groups.Select(g => $"{g.Key} {(Ticks(g.Value()) - _before[g.Key]) / TicksPerSecond / seconds:F2}");
        var (busy, total) = MachineTicks();
        var machine = total == _machineBefore.Total ? 0 : (double)(busy - _machineBefore.Busy) / (total - _machineBefore.Total) * Environment.ProcessorCount;
        return $"{string.Join(", ", parts)}; the whole machine {machine:F2} of {Environment.ProcessorCount}";
    }

    private static IEnumerable<int> Processes(Func<string, bool> commandLine)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            string cmd;
            try
            {
                cmd = File.ReadAllText(Path.Combine(dir, "cmdline"));
            }
            catch (IOException)
            {
                continue; // exited meanwhile
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            if (cmd.Length > 0 && commandLine(cmd.EndsWith('\0') ? cmd : cmd + '\0'))
            {
                yield return pid;
            }
        }
    }

    /// <summary>utime + stime of the processes (their threads included); a process that exited is left out.</summary>
    private static long Ticks(IEnumerable<int> pids)
    {
        long sum = 0;
        foreach (var pid in pids)
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                sum += long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            }
            catch (IOException)
            {
            }
        }

        return sum;
    }

    private static (long Busy, long Total) MachineTicks()
    {
        if (!Supported)
        {
            return (0, 0);
        }

        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var idle = cpu[3] + (cpu.Length > 4 ? cpu[4] : 0);
        var total = cpu.Take(8).Sum();
        return (total - idle, total);
    }
}
