namespace EventLedger.Streams.Metrics;

/// <summary>What a shard worker is doing, readable from any thread (status API, lag gauge).</summary>
public sealed class ShardProgress(string subscription, string shardId, string? parentShardId, TimeProvider time)
{
    private readonly Lock _gate = new();
    private ShardState _state = ShardState.Starting;
    private string? _checkpoint;
    private DateTime? _lastRecordCreatedAt;
    private bool _caughtUp;
    private long _recordsProcessed;

    public string Subscription { get; } = subscription;
    public string ShardId { get; } = shardId;
    public string? ParentShardId { get; } = parentShardId;

    public ShardState State { get { lock (_gate) { return _state; } } }
    public string? Checkpoint { get { lock (_gate) { return _checkpoint; } } }
    public long RecordsProcessed => Interlocked.Read(ref _recordsProcessed);

    /// <summary>Now − creation time of the last processed record; 0 when caught up at the tip or when nothing was read yet.</summary>
    public long LagMilliseconds
    {
        get
        {
            lock (_gate)
            {
                if (_caughtUp || _lastRecordCreatedAt is not { } created)
                {
                    return 0;
                }

                return Math.Max(0, (long)(time.GetUtcNow().UtcDateTime - created).TotalMilliseconds);
            }
        }
    }

    public void SetState(ShardState state)
    {
        lock (_gate)
        {
            _state = state;
        }
    }

    public void Checkpointed(string checkpoint)
    {
        lock (_gate)
        {
            _checkpoint = checkpoint;
        }
    }

    public void Processed(int records, DateTime? lastRecordCreatedAt)
    {
        Interlocked.Add(ref _recordsProcessed, records);
        lock (_gate)
        {
            _lastRecordCreatedAt = lastRecordCreatedAt ?? _lastRecordCreatedAt;
        }
    }

    /// <summary>A read returned <paramref name="records"/> records; none means the worker is at the tip.</summary>
    public void Fetched(int records, DateTime? firstRecordCreatedAt)
    {
        lock (_gate)
        {
            if (records == 0)
            {
                _caughtUp = true;
            }
            else if (_caughtUp || _lastRecordCreatedAt is null)
            {
                _caughtUp = false;
                _lastRecordCreatedAt = firstRecordCreatedAt ?? _lastRecordCreatedAt;
            }
        }
    }
}

public enum ShardState
{
    Starting,
    WaitingForParent,
    Processing,
    Ended,
    Stopped,
    Failed,
}
