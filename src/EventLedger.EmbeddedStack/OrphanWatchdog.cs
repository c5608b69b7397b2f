using System.Diagnostics;

namespace EventLedger.EmbeddedStack;

/// <summary>
/// A tiny <c>sh</c> process, in its own session, that holds a pipe from this process on its stdin. If this process dies
/// without cleaning up (SIGKILL, crash, an uncancelled signal), the kernel closes the pipe, the watchdog reads EOF,
/// stops the child (<paramref name="signal"/>, then SIGKILL after 10 s) and deletes its data directory.
/// Disarmed by writing a line on the pipe after an orderly stop.
/// </summary>
internal sealed class OrphanWatchdog : IDisposable
{
    private const string Script = """
        exec >/dev/null 2>&1
        if read -r line && [ "$line" = disarm ]; then exit 0; fi
        alive() { kill -0 "$1" && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status"; }
        kill -s "$2" "$1"
        i=0
        while alive "$1"; do
          i=$((i+1))
          if [ "$i" -gt 100 ]; then kill -s KILL "$1"; break; fi
          sleep 0.1
        done
        if [ -n "$3" ]; then rm -rf -- "$3"; fi
        """;

    private readonly Process _process;
    private bool _done;

    private OrphanWatchdog(Process process) => _process = process;

    /// <param name="pid">The child to stop.</param>
    /// <param name="signal">Signal name for the first attempt (TERM, INT, ...).</param>
    /// <param name="deleteDirectory">Directory to delete once the child is gone, or null.</param>
    public static OrphanWatchdog Start(int pid, string signal, string? deleteDirectory)
    {
        var sh = Executables.Find("sh") ?? "/bin/sh";
        var setsid = Executables.Find("setsid");
        var start = new ProcessStartInfo(setsid ?? sh)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (setsid is not null)
        {
            start.ArgumentList.Add(sh);
        }

        foreach (var arg in new[] { "-c", Script, "eventledger-watchdog", pid.ToString(System.Globalization.CultureInfo.InvariantCulture), signal, deleteDirectory ?? "" })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the sh watchdog.");
        return new OrphanWatchdog(process);
    }

    public int Id => _process.Id;

    /// <summary>The child was stopped in an orderly way: the watchdog exits without touching anything.</summary>
    public void Disarm()
    {
        if (_done)
        {
            return;
        }

        _done = true;
        try
        {
            _process.StandardInput.WriteLine("disarm");
            _process.StandardInput.Flush();
            _process.StandardInput.Close();
            _process.WaitForExit(2000);
        }
        catch (IOException)
        {
            // Already gone.
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>Acts as if this process had died: closes the pipe without disarming (used by tests).</summary>
    internal void Trigger()
    {
        _done = true;
        _process.StandardInput.Close();
    }

    internal bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    public void Dispose()
    {
        Disarm();
        _process.Dispose();
    }
}
