using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EventLedger.Server.Memory;

/// <summary>
/// Gives the native heap's free pages back to the operating system now and then (glibc's <c>malloc_trim</c>): the runtime,
/// the JIT and native libraries allocate through malloc on many threads, and glibc keeps what they free in per-thread
/// arenas, resident, until a trim. Linux with glibc only; elsewhere (or with musl) it does nothing.
/// Interval: configuration <c>Memory:NativeTrimInterval</c> (<c>Memory__NativeTrimInterval</c>; default 30 s, 0 turns it off).
/// </summary>
internal sealed class NativeHeapTrimmer(TimeSpan interval, ILogger<NativeHeapTrimmer> logger) : BackgroundService
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (interval <= TimeSpan.Zero || !OperatingSystem.IsLinux())
        {
            return;
        }

        using var timer = new PeriodicTimer(interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                malloc_trim(0);
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            logger.LogDebug("No malloc_trim in this C library ({Message}); the native heap is not trimmed", e.Message);
        }
    }

    // DllImport: a blittable signature needs no marshalling (LibraryImport would need unsafe code in this project).
#pragma warning disable SYSLIB1054
    [DllImport("libc", ExactSpelling = true)]
    private static extern int malloc_trim(nuint pad);
#pragma warning restore SYSLIB1054
}
