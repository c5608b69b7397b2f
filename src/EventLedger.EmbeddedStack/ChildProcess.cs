using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace EventLedger.EmbeddedStack;

/// <summary>
/// A server process this stack started: in its own session (so a terminal's Ctrl-C reaches only us and the host can
/// shut down while its databases still answer), output piped to the logger and kept for error messages, guarded by an
/// <see cref="OrphanWatchdog"/> in case this process dies without stopping it.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly ILogger _logger;
    private readonly OutputTail _tail = new(80);
    private OrphanWatchdog? _watchdog;
    private bool _disposed;
    private int? _exitCode;

    private ChildProcess(string component, Process process, ILogger logger)
    {
        Component = component;
        _process = process;
        _logger = logger;
    }

    /// <summary>The process id (still readable after the process exited or this object was disposed).</summary>
    public int Id { get; private set; }

    public string Component { get; }
    public bool HasExited => _disposed || _process.HasExited;

    /// <summary>The exit code once exited (kept after <see cref="Dispose"/>), else null.</summary>
    public int? ExitCode => _disposed ? _exitCode : _process.HasExited ? _process.ExitCode : null;

    /// <summary>The last lines of stdout and stderr.</summary>
    public string RecentOutput => _tail.ToString();
    public bool OutputContains(string text) => _tail.Contains(text);

    /// <param name="runAs">Prefix (e.g. <c>setpriv --reuid=postgres ... --</c>) that must exec the program in place.</param>
    public static ChildProcess Start(
        string component,
        string fileName,
        IEnumerable<string> arguments,
        ILogger logger,
        string? workingDirectory = null,
        IReadOnlyList<string>? runAs = null)
    {
        // setsid and setpriv both exec in place, so the process id we get is the server's own.
        var argv = new List<string>();
        if (Executables.Find("setsid") is { } setsid)
        {
            argv.Add(setsid);
        }

        argv.AddRange(runAs ?? []);
        argv.Add(fileName);
        argv.AddRange(arguments);

        var start = new ProcessStartInfo(argv[0])
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory ?? "/",
        };
        foreach (var arg in argv.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var child = new ChildProcess(component, process, logger);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start {fileName}.");
        }

        child.Id = process.Id;
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        Log.ProcessStarted(logger, component, process.Id, string.Join(' ', argv));
        return child;
    }

    /// <summary>Arms the watchdog: if this .NET process dies, <paramref name="signal"/> goes to the child and <paramref name="deleteDirectory"/> is removed.</summary>
    public void GuardAgainstOrphaning(string signal, string? deleteDirectory) =>
        _watchdog ??= OrphanWatchdog.Start(Id, signal, deleteDirectory);

    public bool Signal(int signal) => !_process.HasExited && Native.Signal(Id, signal);

    /// <summary>
    /// Polls <paramref name="answers"/> every 50 ms until the server answers (true) or its process exits first (false).
    /// After <paramref name="timeout"/> (counted by <paramref name="stopwatch"/>, which started with the start-up) it
    /// throws, saying that the server did not <paramref name="notAnswered"/> and what it printed last.
    /// </summary>
    /// <param name="notAnswered">What the server did not do, e.g. "answer on port 8000".</param>
    public async Task<bool> WaitUntilAnsweringAsync(
        Func<CancellationToken, Task<bool>> answers,
        string notAnswered,
        Stopwatch stopwatch,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (HasExited)
            {
                return false;
            }

            if (await answers(cancellationToken))
            {
                return true;
            }

            if (stopwatch.Elapsed > timeout)
            {
                throw new EmbeddedStackException(
                    $"{Component} did not {notAnswered} within {timeout.TotalSeconds:0} s. Its output:{Environment.NewLine}{RecentOutput}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return _process.HasExited;
        }
    }

    /// <summary>Sends <paramref name="signal"/>, waits up to <paramref name="grace"/>, then kills the whole tree. Synchronous: safe in exit handlers.</summary>
    public void Stop(int signal, TimeSpan grace)
    {
        try
        {
            if (!_process.HasExited && !(Signal(signal) && _process.WaitForExit(grace)))
            {
                Log.ProcessKilled(_logger, Component, Id);
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(TimeSpan.FromSeconds(5));
            }
        }
        catch (InvalidOperationException)
        {
            // Exited between the checks.
        }

        _watchdog?.Disarm();
    }

    /// <summary>Kills the process tree at once (nothing to save). Synchronous: safe in exit handlers.</summary>
    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(TimeSpan.FromSeconds(5));
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _watchdog?.Disarm();
    }

    /// <summary>Same as <see cref="Stop"/>, without blocking a thread.</summary>
    public async Task StopAsync(int signal, TimeSpan grace)
    {
        try
        {
            if (!_process.HasExited && !(Signal(signal) && await WaitForExitAsync(grace)))
            {
                Log.ProcessKilled(_logger, Component, Id);
                _process.Kill(entireProcessTree: true);
            }

            // Also drains the output pipes, so RecentOutput is complete.
            await WaitForExitAsync(TimeSpan.FromSeconds(5));
        }
        catch (InvalidOperationException)
        {
            // Exited between the checks.
        }

        _watchdog?.Disarm();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        _tail.Add(line);
        Log.ProcessOutput(_logger, Component, line);
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _exitCode = ExitCode;
        _disposed = true;
        _watchdog?.Dispose();
        _process.Dispose();
    }
}
