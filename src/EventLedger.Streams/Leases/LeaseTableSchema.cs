using Amazon.DynamoDBv2.Model;

namespace EventLedger.Streams.Leases;

/// <summary>Attribute names of the lease table: partition key <c>subscription</c>, sort key <c>shardId</c>.</summary>
public static class LeaseTableSchema
{
    public const string Subscription = "subscription";
    public const string ShardId = "shardId";
    public const string ParentShardId = "parentShardId";
    public const string Owner = "leaseOwner";
    public const string Counter = "leaseCounter";
    public const string OwnerSwitches = "ownerSwitches";
    public const string ExpiresAt = "leaseExpiresAt";
    public const string Checkpoint = "checkpoint";
    public const string CheckpointedAt = "checkpointedAt";

    public static Dictionary<string, AttributeValue> Key(string subscription, string shardId) => new()
    {
        [Subscription] = new AttributeValue { S = subscription },
        [ShardId] = new AttributeValue { S = shardId },
    };

    public static Lease ToLease(Dictionary<string, AttributeValue> item) =>
        new(item[Subscription].S, item[ShardId].S)
        {
            ParentShardId = Text(item, ParentShardId),
            Owner = Text(item, Owner),
            Counter = Number(item, Counter),
            OwnerSwitches = Number(item, OwnerSwitches),
            Checkpoint = Text(item, Checkpoint),
            ExpiresAt = item.TryGetValue(ExpiresAt, out var e) && e.N is { } ms
                ? DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(ms, System.Globalization.CultureInfo.InvariantCulture))
                : null,
        };

    private static string? Text(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) ? value.S : null;

    private static long Number(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) && value.N is { } n ? long.Parse(n, System.Globalization.CultureInfo.InvariantCulture) : 0;
}
