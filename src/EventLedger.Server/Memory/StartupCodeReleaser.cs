using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EventLedger.Server.Memory;

/// <summary>
/// Once start-up is over, hands the pages of the process's mapped files (assemblies, the runtime, native libraries) back
/// to the kernel with <c>madvise(MADV_PAGEOUT)</c>. Start-up touches far more code than the server runs afterwards (host
/// building, configuration binding, table creation, the first JIT of everything); those pages would otherwise stay
/// resident for the life of the process. What the server still runs is faulted back in from the files on its next use.
/// The call never loses data: clean file pages are dropped (the file still has them), and the pages the runtime has
/// modified (relocations) are anonymous, which the kernel cannot page out without swap, so they stay. JIT code and
/// stubs (the W^X double mapping, shared memory) are not touched.
/// Delay after the application has started: configuration <c>Memory:StartupCodeReleaseDelay</c>
/// (<c>Memory__StartupCodeReleaseDelay</c>; default 15 s, 0 turns it off). Linux 5.4 or later; elsewhere it does nothing.
/// </summary>
/// <remarks>
/// Only <c>eventledger serve</c> adds it (<see cref="StartupCodeReleaserRegistration.AddStartupCodeRelease"/>): a process
/// that embeds the server among other work (the tests, the demo, the benchmark) keeps its pages.
/// </remarks>
internal sealed partial class StartupCodeReleaser(TimeSpan delay, IHostApplicationLifetime lifetime, ILogger<StartupCodeReleaser> logger)
    : BackgroundService
{
    public static readonly TimeSpan DefaultDelay = TimeSpan.FromSeconds(15);

    private const int MadvRandom = 1;
    private const int MadvPageout = 21;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (delay <= TimeSpan.Zero || !OperatingSystem.IsLinux())
        {
            return;
        }

        try
        {
            await WhenStartedAsync(stoppingToken);
            await Task.Delay(delay, stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        var released = PageOutMappedFiles();
        LogReleased(logger, released.Advised, released.Refused, released.ResidentBefore / (1024.0 * 1024), released.ResidentAfter / (1024.0 * 1024));
    }

    /// <summary>What one page-out did: mappings advised and refused, and the process's file-backed resident bytes before and after.</summary>
    internal sealed record PageOut(int Advised, int Refused, long ResidentBefore, long ResidentAfter);

    private Task WhenStartedAsync(CancellationToken ct)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        return started.Task.WaitAsync(ct);
    }

    /// <summary>
    /// Pages out every file mapping of the process that <see cref="ParseFileMapping"/> accepts, with read-ahead off for
    /// it from then on (<c>MADV_RANDOM</c>): a fault reads back the page the code runs, not its neighbours.
    /// </summary>
    internal static PageOut PageOutMappedFiles()
    {
        var before = ResidentFileBytes();
        var advised = 0;
        var refused = 0;
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            if (ParseFileMapping(line) is not { } mapping)
            {
                continue;
            }

            var length = (nuint)(mapping.End - mapping.Start);
            if (madvise((nint)mapping.Start, length, MadvRandom) == 0 && madvise((nint)mapping.Start, length, MadvPageout) == 0)
            {
                advised++;
            }
            else
            {
                refused++;
            }
        }

        return new PageOut(advised, refused, before, ResidentFileBytes());
    }

    /// <summary>
    /// A line of <c>/proc/self/maps</c> (<c>start-end perms offset dev inode path</c>) that maps a regular file this
    /// releaser may page out, or null: anonymous and special mappings, shared memory (the JIT's double mapping shows as
    /// <c>/memfd:…</c>), deleted files, devices and writable shared mappings are left alone.
    /// </summary>
    internal static (ulong Start, ulong End)? ParseFileMapping(string line)
    {
        var parts = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 6)
        {
            return null;
        }

        var path = parts[5].Trim();
        var perms = parts[1];
        if (!path.StartsWith('/') || path.StartsWith("/memfd:", StringComparison.Ordinal) || path.StartsWith("/dev/", StringComparison.Ordinal)
            || path.EndsWith("(deleted)", StringComparison.Ordinal) || (perms.Length == 4 && perms[1] == 'w' && perms[3] == 's'))
        {
            return null;
        }

        var range = parts[0].Split('-');
        if (range.Length != 2
            || !ulong.TryParse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var start)
            || !ulong.TryParse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var end)
            || end <= start)
        {
            return null;
        }

        return (start, end);
    }

    /// <summary>RssFile of <c>/proc/self/status</c>, in bytes (0 if unreadable).</summary>
    internal static long ResidentFileBytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
        {
            if (line.StartsWith("RssFile:", StringComparison.Ordinal)
                && long.TryParse(line["RssFile:".Length..].Replace("kB", "", StringComparison.Ordinal).Trim(), CultureInfo.InvariantCulture, out var kb))
            {
                return kb * 1024;
            }
        }

        return 0;
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Start-up over: paged out {Mappings} file mappings ({Refused} refused); file-backed resident memory {BeforeMb:N1} MB -> {AfterMb:N1} MB")]
    private static partial void LogReleased(ILogger logger, int mappings, int refused, double beforeMb, double afterMb);

    // DllImport: a blittable signature needs no marshalling (LibraryImport would need unsafe code in this project).
#pragma warning disable SYSLIB1054
    [DllImport("libc", ExactSpelling = true, SetLastError = true)]
    private static extern int madvise(nint address, nuint length, int advice);
#pragma warning restore SYSLIB1054
}

/// <summary>Adds the <see cref="StartupCodeReleaser"/> to a server process.</summary>
public static class StartupCodeReleaserRegistration
{
    /// <summary>
    /// Pages out the process's mapped files once start-up is over (README "Memory settings", ADR 0017); the delay is read
    /// from configuration <c>Memory:StartupCodeReleaseDelay</c> (default 15 s, 0 turns it off).
    /// </summary>
    public static IServiceCollection AddStartupCodeRelease(this IServiceCollection services) =>
        services.AddHostedService(sp => new StartupCodeReleaser(
            sp.GetRequiredService<IConfiguration>().GetValue("Memory:StartupCodeReleaseDelay", StartupCodeReleaser.DefaultDelay),
            sp.GetRequiredService<IHostApplicationLifetime>(), sp.GetRequiredService<ILogger<StartupCodeReleaser>>()));
}
