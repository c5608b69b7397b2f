using System.Runtime.InteropServices;

namespace EventLedger.EmbeddedStack;

/// <summary>The one POSIX call .NET does not wrap: sending a chosen signal to a process.</summary>
internal static partial class Native
{
    public const int SigInt = 2;
    public const int SigKill = 9;
    public const int SigTerm = 15;
    public const int SigQuit = 3;

    /// <summary>Sends <paramref name="signal"/>; false if the process is gone (or not ours to signal).</summary>
    public static bool Signal(int pid, int signal) => pid > 0 && kill(pid, signal) == 0;

    /// <summary>True while a process with that id exists and is not a zombie (signal 0 probes without sending).</summary>
    public static bool IsAlive(int pid)
    {
        if (pid <= 0 || (kill(pid, 0) != 0 && Marshal.GetLastPInvokeError() != 1 /* EPERM: exists, not ours */))
        {
            return false;
        }

        try
        {
            // An exited child nobody has reaped yet still answers signal 0.
            return !File.ReadLines($"/proc/{pid}/status").Any(l => l.StartsWith("State:", StringComparison.Ordinal) && l.Contains('Z', StringComparison.Ordinal));
        }
        catch (IOException)
        {
            return !OperatingSystem.IsLinux();
        }
        catch (UnauthorizedAccessException)
        {
            return true;
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);
}
