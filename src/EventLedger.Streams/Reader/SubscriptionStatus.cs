namespace EventLedger.Streams.Reader;

/// <summary>A point-in-time view of one subscription as seen by this host (for the API and CLI).</summary>
public sealed record SubscriptionStatus(
    string Name,
    string? StreamArn,
    string OwnerId,
    string State,
    long RecordsProcessed,
    int DeadLetterCount,
    long LagMilliseconds,
    IReadOnlyList<ShardStatus> Shards);

/// <summary>
/// One shard: <see cref="Owner"/> from the lease table; <see cref="Checkpoint"/>, <see cref="LagMilliseconds"/> and
/// <see cref="RecordsProcessed"/> are known for shards this host reads (null for others, except a checkpoint kept in the lease item).
/// State: Starting, WaitingForParent, Processing, Ended, Stopped, Failed for shards read here; Leased (by another host), Unowned, Ended otherwise.
/// </summary>
public sealed record ShardStatus(
    string ShardId,
    string? ParentShardId,
    string? Owner,
    string? Checkpoint,
    long? LagMilliseconds,
    string State,
    long? RecordsProcessed);
