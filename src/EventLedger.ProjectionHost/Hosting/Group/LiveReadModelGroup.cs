using System.Collections.Immutable;
using EventLedger.Streams.Reader;

namespace EventLedger.ProjectionHost.Hosting.Group;

/// <summary>
/// The live versions of the DynamoDB read models, fed by one subscription (<see cref="SubscriptionName"/>): one lease per
/// shard for all of them, one read and one batch per poll, one multi-table read and write per batch (ADR 0016). Members
/// join and leave with the shard workers stopped (<see cref="StreamSubscription.RestartWorkersAsync"/>), so a new worker
/// starts from the checkpoints of exactly the members it feeds.
/// </summary>
internal sealed class LiveReadModelGroup
{
    /// <summary>The group's subscription (its leases; checkpoints stay per member).</summary>
    public const string SubscriptionName = "dynamodb-read-models";

    private ImmutableList<GroupMemberFeed> _members;

    public LiveReadModelGroup(IEnumerable<GroupMemberFeed> members) => _members = [.. members];

    public StreamSubscription? Subscription { get; set; }

    public IReadOnlyList<GroupMemberFeed> Members => Volatile.Read(ref _members);

    public IReadOnlyList<string> MemberSubscriptions() => [.. Members.Select(m => m.Subscription)];

    public GroupMemberFeed? Find(string subscription) => Members.FirstOrDefault(m => m.Subscription == subscription);

    /// <summary>Adds a member between two runs of the shard workers.</summary>
    public Task AddAsync(GroupMemberFeed member) => ChangeAsync(m => m.Add(member));

    /// <summary>Removes a member between two runs of the shard workers: nothing is applied to it once this returns.</summary>
    public Task RemoveAsync(GroupMemberFeed member) => ChangeAsync(m => m.Remove(member));

    /// <summary>Whether this host holds the group's lease of <paramref name="shardId"/> (the other subscriptions of the host read only those shards).</summary>
    public bool Holds(string shardId) => Subscription?.HeldShards.Contains(shardId) == true;

    private Task ChangeAsync(Func<ImmutableList<GroupMemberFeed>, ImmutableList<GroupMemberFeed>> change)
    {
        if (Subscription is not { } subscription)
        {
            Volatile.Write(ref _members, change(Members.ToImmutableList()));
            return Task.CompletedTask;
        }

        return subscription.RestartWorkersAsync(() =>
        {
            Volatile.Write(ref _members, change(Members.ToImmutableList()));
            return Task.CompletedTask;
        });
    }
}
