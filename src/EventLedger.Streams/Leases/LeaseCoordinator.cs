using Microsoft.Extensions.Logging;

namespace EventLedger.Streams.Leases;

/// <summary>
/// This host's side of the lease protocol for one subscription: creates leases for new shards, renews the ones it holds,
/// takes expired ones, steals toward an even split, and releases on shutdown. Driven by one control loop (not thread-safe
/// for concurrent callers); <see cref="Snapshot"/> may be read from any thread.
/// </summary>
public sealed class LeaseCoordinator
{
    private readonly ILeaseStore _store;
    private readonly string _subscription;
    private readonly string _owner;
    private readonly TimeSpan _leaseDuration;
    private readonly int? _maxLeases;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly LeaseExpiryTracker _expiry;
    private readonly Dictionary<string, (Lease Lease, long RenewedAt)> _held = new(StringComparer.Ordinal);
    private readonly Random _random = new();
    private volatile IReadOnlyList<Lease> _snapshot = [];

    public LeaseCoordinator(ILeaseStore store, string subscription, string owner, TimeSpan leaseDuration, int? maxLeases, TimeProvider time, ILogger logger)
    {
        _store = store;
        _subscription = subscription;
        _owner = owner;
        _leaseDuration = leaseDuration;
        _maxLeases = maxLeases;
        _time = time;
        _logger = logger;
        _expiry = new LeaseExpiryTracker(time);
    }

    public string Owner => _owner;

    /// <summary>The leases as last read from the table, with the held ones as last written.</summary>
    public IReadOnlyList<Lease> Snapshot => _snapshot;

    public IReadOnlyCollection<Lease> Held => _held.Values.Select(h => h.Lease).ToList();

    public bool Holds(string shardId) => _held.ContainsKey(shardId);

    /// <summary>Creates unowned leases for shards that have none; deletes finished leases whose shard has left the stream.</summary>
    public async Task SyncShardsAsync(IReadOnlyList<Client.Model.Shard> shards, CancellationToken cancellationToken)
    {
        var existing = await _store.ListAsync(_subscription, cancellationToken);
        var known = existing.Select(l => l.ShardId).ToHashSet(StringComparer.Ordinal);
        foreach (var shard in shards.Where(s => !known.Contains(s.ShardId)))
        {
            if (await _store.CreateIfMissingAsync(new Lease(_subscription, shard.ShardId) { ParentShardId = shard.ParentShardId }, cancellationToken))
            {
                _logger.LogInformation("Created lease for shard {ShardId} (parent {ParentShardId}) of subscription {Subscription}", shard.ShardId, shard.ParentShardId, _subscription);
            }
        }

        var listed = shards.Select(s => s.ShardId).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in existing.Where(l => l.IsShardEnded && !listed.Contains(l.ShardId)))
        {
            await _store.DeleteAsync(_subscription, gone.ShardId, cancellationToken);
            _logger.LogInformation("Deleted finished lease for shard {ShardId} of subscription {Subscription}: the shard has left the stream", gone.ShardId, _subscription);
        }
    }

    /// <summary>Renews every held lease. Returns the shard ids whose lease is lost (taken by another host, or not renewed within the lease duration).</summary>
    public async Task<IReadOnlyList<string>> RenewAsync(CancellationToken cancellationToken)
    {
        var lost = new List<string>();
        foreach (var (shardId, (lease, renewedAt)) in _held.ToList())
        {
            try
            {
                var renewed = await _store.RenewAsync(lease, _leaseDuration, cancellationToken);
                if (renewed is null)
                {
                    _logger.LogWarning("Lease on shard {ShardId} of subscription {Subscription} was taken by another host", shardId, _subscription);
                    _held.Remove(shardId);
                    lost.Add(shardId);
                }
                else
                {
                    _held[shardId] = (renewed, _time.GetTimestamp());
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogWarning(ex, "Could not renew lease on shard {ShardId} of subscription {Subscription}", shardId, _subscription);
                if (_time.GetElapsedTime(renewedAt) > _leaseDuration)
                {
                    _logger.LogWarning("Lease on shard {ShardId} of subscription {Subscription} not renewed for {LeaseDuration}: giving it up", shardId, _subscription, _leaseDuration);
                    _held.Remove(shardId);
                    lost.Add(shardId);
                }
            }
        }

        return lost;
    }

    /// <summary>Reads the lease table and takes what the balancing rule allows. Returns the leases newly taken.</summary>
    /// <param name="mayLease">Shards this host may take (null: any); the others are left out of the balance.</param>
    public async Task<IReadOnlyList<Lease>> TakeAsync(CancellationToken cancellationToken, Func<string, bool>? mayLease = null)
    {
        var leases = await _store.ListAsync(_subscription, cancellationToken);
        _expiry.Observe(leases);
        _snapshot = Merge(leases);

        var decision = LeaseBalancer.Decide(
            mayLease is null ? leases : [.. leases.Where(l => mayLease(l.ShardId))],
            _owner,
            _held.Keys.ToHashSet(StringComparer.Ordinal),
            l => _expiry.IsExpired(l, _leaseDuration),
            _maxLeases,
            _random);

        var taken = new List<Lease>();
        foreach (var candidate in decision.Take)
        {
            if (await TryTakeAsync(candidate, stealing: false, cancellationToken) is { } lease)
            {
                taken.Add(lease);
            }
        }

        if (decision.Steal is { } victim && await TryTakeAsync(victim, stealing: true, cancellationToken) is { } stolen)
        {
            taken.Add(stolen);
        }

        if (taken.Count > 0)
        {
            _snapshot = Merge(leases);
        }

        return taken;
    }

    /// <summary>Stops renewing a lease and gives it up in the table (shard finished or worker stopped).</summary>
    public async Task ReleaseAsync(string shardId, CancellationToken cancellationToken)
    {
        if (!_held.Remove(shardId, out var held))
        {
            return;
        }

        try
        {
            if (await _store.ReleaseAsync(held.Lease, cancellationToken))
            {
                _logger.LogInformation("Released lease on shard {ShardId} of subscription {Subscription}", shardId, _subscription);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            _logger.LogWarning(ex, "Could not release lease on shard {ShardId} of subscription {Subscription}; it will expire", shardId, _subscription);
        }
    }

    public async Task ReleaseAllAsync(CancellationToken cancellationToken)
    {
        foreach (var shardId in _held.Keys.ToList())
        {
            await ReleaseAsync(shardId, cancellationToken);
        }
    }

    /// <summary>Marks a held lease finished (SHARD_END) and stops renewing it.</summary>
    public async Task CompleteShardAsync(string shardId, CancellationToken cancellationToken)
    {
        if (!_held.Remove(shardId, out var held))
        {
            return;
        }

        if (await _store.MarkShardEndedAsync(held.Lease, cancellationToken))
        {
            _logger.LogInformation("Shard {ShardId} of subscription {Subscription} finished; lease marked SHARD_END", shardId, _subscription);
        }
    }

    /// <summary>Forgets a held lease without writing (after it was found lost).</summary>
    public void Drop(string shardId) => _held.Remove(shardId);

    private async Task<Lease?> TryTakeAsync(Lease candidate, bool stealing, CancellationToken cancellationToken)
    {
        var lease = await _store.TakeAsync(candidate, _owner, _leaseDuration, cancellationToken);
        if (lease is null)
        {
            _logger.LogDebug("Lost the race for shard {ShardId} of subscription {Subscription}", candidate.ShardId, _subscription);
            return null;
        }

        _held[lease.ShardId] = (lease, _time.GetTimestamp());
        _logger.LogInformation(
            "{Action} lease on shard {ShardId} of subscription {Subscription} (previous owner {PreviousOwner})",
            stealing ? "Stole" : "Took", lease.ShardId, _subscription, candidate.Owner ?? "none");
        return lease;
    }

    private List<Lease> Merge(IReadOnlyList<Lease> leases) =>
        leases.Select(l => _held.TryGetValue(l.ShardId, out var h) ? h.Lease with { Checkpoint = l.Checkpoint } : l).ToList();
}
