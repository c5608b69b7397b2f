using Microsoft.Extensions.Logging;

namespace EventLedger.ProjectionHost.Rebuilds;

/// <summary>
/// The engine's background work (retiring a version, resuming rebuilds at start): at most one task per key at a time,
/// forgotten when it ends, so what is tracked stays as small as what runs. Failures are logged here.
/// </summary>
internal sealed partial class BackgroundWork(CancellationToken stopping, ILogger logger)
{
    private readonly Dictionary<string, Task> _running = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Starts <paramref name="work"/> under <paramref name="key"/>; false when work under that key runs already.</summary>
    public bool TryStart(string key, Func<CancellationToken, Task> work)
    {
        lock (_gate)
        {
            if (_running.ContainsKey(key)) return false;
            // Task.Run: the work's end (which takes the gate to remove itself) cannot come before it is added here.
            _running[key] = Task.Run(() => RunAsync(key, work), CancellationToken.None);
            return true;
        }
    }

    /// <summary>What runs now.</summary>
    public IReadOnlyCollection<string> Running
    {
        get
        {
            lock (_gate) return [.. _running.Keys];
        }
    }

    /// <summary>Ends when everything started so far has ended (none of it throws).</summary>
    public Task WhenAllAsync()
    {
        lock (_gate) return Task.WhenAll(_running.Values);
    }

    private async Task RunAsync(string key, Func<CancellationToken, Task> work)
    {
        try
        {
            await work(stopping);
        }
        catch (Exception ex) when (stopping.IsCancellationRequested)
        {
            // The host is stopping: whatever was left undone is picked up again after a restart (by the follower or at start).
            LogStopped(logger, ex, key);
        }
        catch (Exception ex)
        {
            LogFailed(logger, ex, key);
        }
        finally
        {
            lock (_gate) _running.Remove(key);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Rebuild background work '{Work}' stopped with the host")]
    private static partial void LogStopped(ILogger logger, Exception ex, string work);

    [LoggerMessage(Level = LogLevel.Error, Message = "Rebuild background work '{Work}' failed")]
    private static partial void LogFailed(ILogger logger, Exception ex, string work);
}
