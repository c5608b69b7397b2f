using System.Globalization;
using System.Text.RegularExpressions;

namespace EventLedger.Benchmarks.Infrastructure;

/// <summary>
/// DynamoDB Local's stop-the-world collections: while a scenario's stack starts, <c>JAVA_TOOL_OPTIONS</c> asks the JVM to
/// log every GC pause with its wall-clock time to a file of its own (unless the caller set <c>JAVA_TOOL_OPTIONS</c>
/// already); <see cref="Within"/> reads back the pauses of a window. A pause stops every call DynamoDB Local answers, the
/// stream's included, so it is part of every latency the window measures.
/// </summary>
public sealed partial class JvmPauses : IDisposable
{
    private const string Variable = "JAVA_TOOL_OPTIONS";
    private readonly string? _file;

    private JvmPauses(string? file) => _file = file;

    /// <summary>Starts logging for the JVMs started until <see cref="StopStarting"/> (or disposal).</summary>
    public static JvmPauses LogFromNowOn()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 })
        {
            return new JvmPauses(null);
        }

        var file = Path.Combine(Path.GetTempPath(), $"eventledger-bench-gc-{Environment.ProcessId}-{Guid.NewGuid():N}.log");
        Environment.SetEnvironmentVariable(Variable, $"-Xlog:gc:file={file}:time");
        return new JvmPauses(file);
    }

    /// <summary>JVMs started from now on do not log (the ones started already go on logging).</summary>
    public void StopStarting()
    {
        if (_file is not null)
        {
            Environment.SetEnvironmentVariable(Variable, null);
        }
    }

    /// <summary>The pauses that ended in [<paramref name="from"/>, <paramref name="to"/>], in ms; null when nothing was logged.</summary>
    public double[]? Within(DateTimeOffset from, DateTimeOffset to)
    {
        if (_file is null || !File.Exists(_file))
        {
            return null;
        }

        var pauses = new List<double>();
        using var stream = new FileStream(_file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            // [2026-12-03T16:20:01.123+0000] GC(74) Pause Young (Allocation Failure) 234M->134M(365M) 2.084ms
            var match = PauseLine().Match(line);
            if (match.Success
                && DateTimeOffset.TryParseExact($"{match.Groups["time"].Value}{match.Groups["oh"].Value}:{match.Groups["om"].Value}",
                    "yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture, DateTimeStyles.None, out var at)
                && at >= from && at <= to)
            {
                pauses.Add(double.Parse(match.Groups["ms"].Value, CultureInfo.InvariantCulture));
            }
        }

        return [.. pauses];
    }

    public void Dispose()
    {
        StopStarting();
        if (_file is not null)
        {
            try
            {
                File.Delete(_file);
            }
            catch (IOException)
            {
            }
        }
    }

    [GeneratedRegex(@"^\[(?<time>[0-9T:.-]+)(?<oh>[+-][0-9]{2})(?<om>[0-9]{2})\].*Pause.* (?<ms>[0-9.]+)ms$")]
    private static partial Regex PauseLine();
}
