using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.Streams.Checkpoints;
using EventLedger.Streams.Leases;

namespace EventLedger.Archive.Writing;

/// <summary>
/// The archive's positions, kept where every subscription keeps them (the <c>checkpoint</c> of its lease item), but written by
/// the archive alone and only with conditional writes, so two writers of one shard (a host that lost its lease and does not
/// know yet) cannot both commit. Storing an object is three steps: claim (<c>archivePending</c> = the object's manifest
/// entry, only if the checkpoint is still the one the buffer continues), put the object and its manifest entry, commit
/// (checkpoint = the object's last sequence number, pending removed). A writer that finds a pending claim settles it first:
/// the object exists, so it is complete (puts are atomic) and is adopted; or it does not, and the claim is withdrawn.
/// </summary>
internal sealed class ArchiveCommitLog(IAmazonDynamoDB dynamoDb, string leaseTable, TimeProvider time)
{
    public const string Pending = "archivePending";

    /// <summary>A shard's committed position (null: nothing stored yet) and the claim in progress, if any.</summary>
    public sealed record ShardState(string ShardId, string? Checkpoint, string? PendingEntry, string? ParentShardId = null);

    public string LeaseTable => leaseTable;

    public async Task<ShardState> ReadAsync(string subscription, string shardId, CancellationToken ct)
    {
        var response = await dynamoDb.GetItemAsync(new GetItemRequest
        {
            TableName = leaseTable,
            Key = LeaseTableSchema.Key(subscription, shardId),
            ConsistentRead = true,
        }, ct);
        return ToState(shardId, response.Item);
    }

    /// <summary>Every shard of the subscription that has a lease item.</summary>
    public async Task<IReadOnlyList<ShardState>> ListAsync(string subscription, CancellationToken ct)
    {
        var result = new List<ShardState>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var page = await dynamoDb.QueryAsync(new QueryRequest
            {
                TableName = leaseTable,
                ConsistentRead = true,
                KeyConditionExpression = "#s = :s",
                ExpressionAttributeNames = new Dictionary<string, string> { ["#s"] = LeaseTableSchema.Subscription },
                ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":s"] = new() { S = subscription } },
                ExclusiveStartKey = start,
            }, ct);
            result.AddRange((page.Items ?? []).Select(i => ToState(i[LeaseTableSchema.ShardId].S, i)));
            start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);

        return result;
    }

    /// <summary>Claims the next object of a shard; false when the checkpoint moved or another claim stands.</summary>
    public Task<bool> ClaimAsync(string subscription, string shardId, string? expectedCheckpoint, string entryJson, CancellationToken ct)
    {
        var values = new Dictionary<string, AttributeValue> { [":p"] = new() { S = entryJson } };
        var condition = "attribute_not_exists(#p) AND " + CheckpointIs(expectedCheckpoint, values);
        return TryUpdateAsync(subscription, shardId, "SET #p = :p", condition, values, ct);
    }

    /// <summary>Commits a claimed object: the checkpoint moves to its last sequence number; false when the claim is gone.</summary>
    public Task<bool> CommitAsync(string subscription, string shardId, string entryJson, string to, CancellationToken ct) =>
        TryUpdateAsync(subscription, shardId, "SET #c = :to, #t = :now REMOVE #p", "#p = :p",
            new Dictionary<string, AttributeValue>
            {
                [":p"] = new() { S = entryJson },
                [":to"] = new() { S = to },
                [":now"] = new() { S = time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture) },
            }, ct);

    /// <summary>Withdraws a claim whose object was never stored.</summary>
    public Task<bool> WithdrawAsync(string subscription, string shardId, string entryJson, CancellationToken ct) =>
        TryUpdateAsync(subscription, shardId, "REMOVE #p", "#p = :p",
            new Dictionary<string, AttributeValue> { [":p"] = new() { S = entryJson } }, ct);

    /// <summary>Records that a closed shard is archived to its end; false when the checkpoint moved or a claim stands.</summary>
    public Task<bool> EndShardAsync(string subscription, string shardId, string? expectedCheckpoint, CancellationToken ct)
    {
        var values = new Dictionary<string, AttributeValue>
        {
            [":end"] = new() { S = Checkpoint.ShardEnd },
            [":now"] = new() { S = time.GetUtcNow().ToString("O", CultureInfo.InvariantCulture) },
        };
        return TryUpdateAsync(subscription, shardId, "SET #c = :end, #t = :now",
            "attribute_not_exists(#p) AND " + CheckpointIs(expectedCheckpoint, values), values, ct);
    }

    private static string CheckpointIs(string? expected, Dictionary<string, AttributeValue> values)
    {
        if (expected is null)
        {
            return "attribute_not_exists(#c)";
        }

        values[":expected"] = new AttributeValue { S = expected };
        return "#c = :expected";
    }

    private async Task<bool> TryUpdateAsync(string subscription, string shardId, string update, string condition,
        Dictionary<string, AttributeValue> values, CancellationToken ct)
    {
        try
        {
            await dynamoDb.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = leaseTable,
                Key = LeaseTableSchema.Key(subscription, shardId),
                UpdateExpression = update,
                ConditionExpression = condition,
                ExpressionAttributeNames = Names(update + " " + condition),
                ExpressionAttributeValues = values,
            }, ct);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    private static Dictionary<string, string> Names(string expression)
    {
        var names = new Dictionary<string, string>();
        if (expression.Contains("#c", StringComparison.Ordinal)) names["#c"] = LeaseTableSchema.Checkpoint;
        if (expression.Contains("#t", StringComparison.Ordinal)) names["#t"] = LeaseTableSchema.CheckpointedAt;
        if (expression.Contains("#p", StringComparison.Ordinal)) names["#p"] = Pending;
        return names;
    }

    private static ShardState ToState(string shardId, Dictionary<string, AttributeValue>? item) => new(
        shardId,
        item is not null && item.TryGetValue(LeaseTableSchema.Checkpoint, out var c) ? c.S : null,
        item is not null && item.TryGetValue(Pending, out var p) ? p.S : null,
        item is not null && item.TryGetValue(LeaseTableSchema.ParentShardId, out var parent) ? parent.S : null);
}
