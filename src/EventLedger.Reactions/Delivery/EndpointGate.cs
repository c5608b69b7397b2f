namespace EventLedger.Reactions.Delivery;

/// <summary>
/// A reaction's on/off switch for its endpoint, read from <see cref="ReactionStateStore"/> at most every
/// <paramref name="refresh"/> (so another host's disable or an operator's enable arrives within that). While disabled,
/// deliveries wait: the batch stays unacknowledged, so the checkpoint holds and nothing is lost or dead-lettered.
/// </summary>
public sealed class EndpointGate(ReactionStateStore store, string reaction, TimeProvider time, TimeSpan refresh)
{
    private readonly SemaphoreSlim _read = new(1, 1);
    private EndpointState _state = EndpointState.Enabled;
    private long _readAt = long.MinValue;

    /// <summary>The state as last read (refreshed when older than the refresh interval).</summary>
    public async ValueTask<EndpointState> CurrentAsync(CancellationToken ct)
    {
        if (_readAt != long.MinValue && time.GetElapsedTime(_readAt) < refresh)
        {
            return _state;
        }

        await _read.WaitAsync(ct);
        try
        {
            if (_readAt == long.MinValue || time.GetElapsedTime(_readAt) >= refresh)
            {
                _state = await store.GetAsync(reaction, ct);
                _readAt = time.GetTimestamp();
            }

            return _state;
        }
        finally
        {
            _read.Release();
        }
    }

    /// <summary>The last state read, without a read (for status).</summary>
    public EndpointState Known => _state;

    public async Task WaitUntilEnabledAsync(CancellationToken ct)
    {
        while ((await CurrentAsync(ct)).Disabled)
        {
            await Task.Delay(refresh, time, ct);
        }
    }

    public async Task DisableAsync(string reason, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        await store.DisableAsync(reaction, reason, now, ct);
        _state = new EndpointState(true, reason, now);
        _readAt = time.GetTimestamp();
    }

    public async Task EnableAsync(CancellationToken ct)
    {
        await store.EnableAsync(reaction, ct);
        _state = EndpointState.Enabled;
        _readAt = time.GetTimestamp();
    }
}
