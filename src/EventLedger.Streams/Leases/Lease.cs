using EventLedger.Streams.Checkpoints;

namespace EventLedger.Streams.Leases;

/// <summary>
/// The right to read one shard for one subscription (the Kinesis Client Library's lease). Key: subscription + shard.
/// Every take, renewal and release increments <see cref="Counter"/>, conditionally on the value last seen, so two hosts
/// can never both succeed. Whether a lease has expired is judged by each observer on its own clock: a lease whose counter
/// has not moved for the lease duration is expired (clock skew between hosts cannot make a live lease look dead).
/// </summary>
public sealed record Lease(string Subscription, string ShardId)
{
    public string? ParentShardId { get; init; }
    public string? Owner { get; init; }
    public long Counter { get; init; }
    public long OwnerSwitches { get; init; }

    /// <summary>As kept in the lease item by <see cref="DynamoDbCheckpointStore"/> (null if the checkpoint lives elsewhere).</summary>
    public string? Checkpoint { get; init; }

    /// <summary>The owner's own estimate of when it runs out, written at take/renew time. For operators; not used to decide expiry.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    public bool IsShardEnded => Checkpoints.Checkpoint.IsShardEnd(Checkpoint);
}
