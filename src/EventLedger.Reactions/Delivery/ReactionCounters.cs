namespace EventLedger.Reactions.Delivery;

/// <summary>What one process has delivered for a reaction (since it started), for status.</summary>
public sealed class ReactionCounters
{
    private readonly Lock _gate = new();
    private long _delivered;
    private long _retried;
    private long _failed;

    public long Delivered => Interlocked.Read(ref _delivered);
    public long Retried => Interlocked.Read(ref _retried);
    public long Failed => Interlocked.Read(ref _failed);
    public DateTimeOffset? LastDeliveredAt { get; private set; }
    public string? LastError { get; private set; }
    public DateTimeOffset? LastErrorAt { get; private set; }

    internal void OnDelivered(DateTimeOffset at)
    {
        Interlocked.Increment(ref _delivered);
        lock (_gate)
        {
            LastDeliveredAt = at;
        }
    }

    internal void OnRetried(string error, DateTimeOffset at)
    {
        Interlocked.Increment(ref _retried);
        OnError(error, at);
    }

    internal void OnFailed(string error, DateTimeOffset at)
    {
        Interlocked.Increment(ref _failed);
        OnError(error, at);
    }

    internal void OnError(string error, DateTimeOffset at)
    {
        lock (_gate)
        {
            LastError = error;
            LastErrorAt = at;
        }
    }
}
