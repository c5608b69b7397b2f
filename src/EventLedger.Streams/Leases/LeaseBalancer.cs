namespace EventLedger.Streams.Leases;

/// <summary>
/// Decides which leases this host should take in one cycle (the KCL's lease taker): the target is an even split of the
/// active leases over the hosts that hold live leases (plus this one); expired or unowned leases are taken first; when none
/// are left and this host is below target, it steals exactly one lease from the most loaded host.
/// </summary>
internal static class LeaseBalancer
{
    public sealed record Decision(IReadOnlyList<Lease> Take, Lease? Steal)
    {
        public static readonly Decision None = new([], null);
    }

    /// <param name="leases">All leases of the subscription.</param>
    /// <param name="me">This host's owner id.</param>
    /// <param name="held">Shard ids this host holds and renews.</param>
    /// <param name="isExpired">Whether a lease (owned by another host, or by a previous incarnation of this id) is expired.</param>
    /// <param name="maxLeases">Optional cap on leases per host.</param>
    public static Decision Decide(
        IReadOnlyList<Lease> leases,
        string me,
        IReadOnlySet<string> held,
        Func<Lease, bool> isExpired,
        int? maxLeases,
        Random random)
    {
        var active = leases.Where(l => !l.IsShardEnded).ToList();
        if (active.Count == 0)
        {
            return Decision.None;
        }

        // Available: unowned, expired, or "ours" on paper but not held (a restart that kept its owner id).
        var available = active
            .Where(l => !held.Contains(l.ShardId) && (l.Owner == me || isExpired(l)))
            .ToList();
        var availableIds = available.Select(l => l.ShardId).ToHashSet(StringComparer.Ordinal);

        var counts = active
            .Where(l => l.Owner is not null && l.Owner != me && !availableIds.Contains(l.ShardId))
            .GroupBy(l => l.Owner!, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var myCount = active.Count(l => held.Contains(l.ShardId));
        var hosts = counts.Count + 1;
        var target = (active.Count + hosts - 1) / hosts;
        if (maxLeases is { } cap)
        {
            target = Math.Min(target, cap);
        }

        var need = target - myCount;
        if (need <= 0)
        {
            return Decision.None;
        }

        if (available.Count > 0)
        {
            var take = available.OrderBy(_ => random.Next()).Take(need).ToList();
            return new Decision(take, null);
        }

        if (counts.Count == 0)
        {
            return Decision.None;
        }

        var mostLoaded = counts.OrderByDescending(c => c.Value.Count).ThenBy(c => c.Key, StringComparer.Ordinal).First().Value;
        var shouldSteal = mostLoaded.Count > target || (need > 1 && mostLoaded.Count == target);
        return shouldSteal ? new Decision([], mostLoaded[random.Next(mostLoaded.Count)]) : Decision.None;
    }
}
