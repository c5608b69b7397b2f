namespace EventLedger.Streams.Leases;

/// <summary>Lease items and their conditional transitions. Take, renew and release return null/false when the condition failed (someone else moved first).</summary>
public interface ILeaseStore
{
    Task EnsureTableAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<Lease>> ListAsync(string subscription, CancellationToken cancellationToken);

    /// <summary>Creates the lease for a newly discovered shard, unowned; false if it already exists.</summary>
    Task<bool> CreateIfMissingAsync(Lease lease, CancellationToken cancellationToken);

    /// <summary>Takes <paramref name="lease"/> for <paramref name="owner"/> if its owner and counter are still as seen.</summary>
    Task<Lease?> TakeAsync(Lease lease, string owner, TimeSpan leaseDuration, CancellationToken cancellationToken);

    /// <summary>Renews a held lease if its owner and counter are still as last written by us.</summary>
    Task<Lease?> RenewAsync(Lease lease, TimeSpan leaseDuration, CancellationToken cancellationToken);

    /// <summary>Gives a held lease up (no owner) so that another host can take it at once.</summary>
    Task<bool> ReleaseAsync(Lease lease, CancellationToken cancellationToken);

    /// <summary>Marks a held lease finished (checkpoint SHARD_END, no owner) so that no host takes it again.</summary>
    Task<bool> MarkShardEndedAsync(Lease lease, CancellationToken cancellationToken);

    Task DeleteAsync(string subscription, string shardId, CancellationToken cancellationToken);
}
