namespace EventLedger.Streams.Leases;

/// <summary>
/// Judges expiry the KCL way: remembers, on this host's monotonic clock, when each lease's counter was last seen to change.
/// A lease whose counter has not moved for the lease duration is expired; an unowned lease is always available.
/// A host that has only just started therefore waits one lease duration before it takes over anything held by others.
/// </summary>
internal sealed class LeaseExpiryTracker(TimeProvider time)
{
    private readonly Dictionary<string, (long Counter, long SeenAt)> _observed = new(StringComparer.Ordinal);

    public void Observe(IReadOnlyList<Lease> leases)
    {
        var now = time.GetTimestamp();
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var lease in leases)
        {
            present.Add(lease.ShardId);
            if (!_observed.TryGetValue(lease.ShardId, out var seen) || seen.Counter != lease.Counter)
            {
                _observed[lease.ShardId] = (lease.Counter, now);
            }
        }

        foreach (var gone in _observed.Keys.Where(k => !present.Contains(k)).ToList())
        {
            _observed.Remove(gone);
        }
    }

    public bool IsExpired(Lease lease, TimeSpan leaseDuration)
    {
        if (lease.Owner is null)
        {
            return true;
        }

        return _observed.TryGetValue(lease.ShardId, out var seen)
            && seen.Counter == lease.Counter
            && time.GetElapsedTime(seen.SeenAt) > leaseDuration;
    }
}
