using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace EventLedger.EmbeddedStack;

/// <summary>
/// A server this stack runs in memory at <c>http://127.0.0.1:port</c> (DynamoDB Local, the AWS emulator). Nothing to save:
/// on exit it is killed at once, orphaned its watchdog kills it, and disposing asks it to stop (SIGTERM, 5 s, then kill).
/// </summary>
internal abstract class InMemoryServerProcess : IAsyncDisposable
{
    private readonly IDisposable _exitRegistration;
    private readonly ILogger _logger;

    protected InMemoryServerProcess(ChildProcess process, ILogger logger)
    {
        Process = process;
        _logger = logger;
        _exitRegistration = ExitCleanup.Register(_ => Process.Kill());
    }

    public int Port { get; protected set; }
    public int ProcessId => Process.Id;
    public string Endpoint => $"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    protected ChildProcess Process { get; }

    /// <summary>
    /// Arms the watchdog and waits until <paramref name="answers"/> (true, logged as ready) or until the process exited
    /// (false, stopped). A wait that fails (timeout, cancellation) stops the server before the error propagates.
    /// </summary>
    protected async Task<bool> WaitUntilReadyAsync(
        Func<CancellationToken, Task<bool>> answers, string notAnswered, Stopwatch stopwatch, TimeSpan timeout, CancellationToken cancellationToken)
    {
        bool ready;
        try
        {
            Process.GuardAgainstOrphaning("KILL", deleteDirectory: null);
            ready = await Process.WaitUntilAnsweringAsync(answers, notAnswered, stopwatch, timeout, cancellationToken);
        }
        catch
        {
            await DisposeAsync();
            throw;
        }

        if (ready)
        {
            Log.Ready(_logger, Process.Component, Endpoint, stopwatch.ElapsedMilliseconds);
        }
        else
        {
            await DisposeAsync();
        }

        return ready;
    }

    public async ValueTask DisposeAsync()
    {
        var stopwatch = Stopwatch.StartNew();
        var wasRunning = !Process.HasExited;
        // In memory: nothing to flush, so no grace period is needed for correctness; SIGTERM lets the server exit cleanly.
        await Process.StopAsync(Native.SigTerm, TimeSpan.FromSeconds(5));
        _exitRegistration.Dispose();
        Process.Dispose();
        if (wasRunning)
        {
            Log.Stopped(_logger, Process.Component, stopwatch.ElapsedMilliseconds);
        }
    }
}
