using EventLedger.ProjectionHost.Rebuilds.Phases;

namespace EventLedger.ProjectionHost.Rebuilds;

/// <summary>Why a rebuild stopped before it was done.</summary>
internal enum RebuildStopReason
{
    None,

    /// <summary>Cancelled by an operator: recorded cancelled, lock released, resume state kept.</summary>
    CancelRequested,

    /// <summary>This host is shutting down: left running in the registry for the next host, lock let go.</summary>
    HostStopping,

    /// <summary>Another owner holds the lock (or may: it was not renewed in time): the rebuild is theirs, nothing is recorded.</summary>
    LockLost,
}

/// <summary>One rebuild running on this host: what it builds, how to stop it and why it was stopped (the first reason given wins).</summary>
internal sealed class RebuildRun : IDisposable
{
    // Not linked and without a timer, the source holds nothing to release: it is not disposed, so a stop requested
    // while the run ends cannot meet a disposed source.
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenRegistration _hostStopping;
    private int _reason;

    public RebuildRun(RebuildTarget target, CancellationToken hostStopping)
    {
        Target = target;
        _hostStopping = hostStopping.Register(() => RequestStop(RebuildStopReason.HostStopping));
    }

    public RebuildTarget Target { get; }

    public CancellationToken Token => _stop.Token;

    public RebuildStopReason StopReason => (RebuildStopReason)Volatile.Read(ref _reason);

    /// <summary>Ends when the run has ended and recorded how.</summary>
    public Task Completion { get; set; } = Task.CompletedTask;

    public void RequestStop(RebuildStopReason reason)
    {
        if (Interlocked.CompareExchange(ref _reason, (int)reason, (int)RebuildStopReason.None) == (int)RebuildStopReason.None)
        {
            _stop.Cancel();
        }
    }

    public void Dispose() => _hostStopping.Dispose();
}
