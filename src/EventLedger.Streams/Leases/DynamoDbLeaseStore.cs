using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.EventStore.Tables;

namespace EventLedger.Streams.Leases;

/// <summary>
/// Leases in a DynamoDB table (partition key <c>subscription</c>, sort key <c>shardId</c>; on-demand billing).
/// All transitions are conditional updates on owner and counter.
/// </summary>
public sealed class DynamoDbLeaseStore(IAmazonDynamoDB dynamoDb, string tableName, TimeProvider? timeProvider = null) : ILeaseStore
{
    private readonly TimeProvider _time = timeProvider ?? TimeProvider.System;

    public string TableName => tableName;

    public Task EnsureTableAsync(CancellationToken cancellationToken) =>
        DynamoTables.EnsureAsync(dynamoDb, tableName, LeaseTableSchema.Subscription, LeaseTableSchema.ShardId, cancellationToken);

    public async Task<IReadOnlyList<Lease>> ListAsync(string subscription, CancellationToken cancellationToken)
    {
        var leases = new List<Lease>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var response = await dynamoDb.QueryAsync(new QueryRequest
            {
                TableName = tableName,
                ConsistentRead = true,
                KeyConditionExpression = "#p = :p",
                ExpressionAttributeNames = new Dictionary<string, string> { ["#p"] = LeaseTableSchema.Subscription },
                ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":p"] = new() { S = subscription } },
                ExclusiveStartKey = start,
            }, cancellationToken);
            leases.AddRange((response.Items ?? []).Select(LeaseTableSchema.ToLease));
            start = response.LastEvaluatedKey is { Count: > 0 } last ? last : null;
        }
        while (start is not null);

        return leases;
    }

    public async Task<bool> CreateIfMissingAsync(Lease lease, CancellationToken cancellationToken)
    {
        var item = LeaseTableSchema.Key(lease.Subscription, lease.ShardId);
        item[LeaseTableSchema.Counter] = new AttributeValue { N = "0" };
        item[LeaseTableSchema.OwnerSwitches] = new AttributeValue { N = "0" };
        if (lease.ParentShardId is { } parent)
        {
            item[LeaseTableSchema.ParentShardId] = new AttributeValue { S = parent };
        }

        try
        {
            await dynamoDb.PutItemAsync(new PutItemRequest
            {
                TableName = tableName,
                Item = item,
                ConditionExpression = "attribute_not_exists(#k)",
                ExpressionAttributeNames = new Dictionary<string, string> { ["#k"] = LeaseTableSchema.ShardId },
            }, cancellationToken);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }

    public Task<Lease?> TakeAsync(Lease lease, string owner, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        var ownerCondition = lease.Owner is null ? "attribute_not_exists(#o)" : "#o = :oldOwner";
        var values = Values(lease.Counter + 1, leaseDuration);
        values[":me"] = new AttributeValue { S = owner };
        values[":zero"] = new AttributeValue { N = "0" };
        values[":one"] = new AttributeValue { N = "1" };
        if (lease.Owner is not null)
        {
            values[":oldOwner"] = new AttributeValue { S = lease.Owner };
        }

        return UpdateAsync(
            lease,
            "SET #o = :me, #n = :next, #e = :exp, #s = if_not_exists(#s, :zero) + :one",
            $"{CounterCondition(lease)} AND {ownerCondition}",
            values,
            withOwnerSwitches: true,
            cancellationToken);
    }

    public Task<Lease?> RenewAsync(Lease lease, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        var values = Values(lease.Counter + 1, leaseDuration);
        values[":me"] = new AttributeValue { S = lease.Owner ?? throw new InvalidOperationException("Only an owned lease can be renewed.") };
        return UpdateAsync(lease, "SET #n = :next, #e = :exp", $"{CounterCondition(lease)} AND #o = :me", values, withOwnerSwitches: false, cancellationToken);
    }

    public async Task<bool> ReleaseAsync(Lease lease, CancellationToken cancellationToken)
    {
        var values = new Dictionary<string, AttributeValue>
        {
            [":next"] = new() { N = (lease.Counter + 1).ToString(CultureInfo.InvariantCulture) },
            [":expected"] = new() { N = lease.Counter.ToString(CultureInfo.InvariantCulture) },
            [":me"] = new() { S = lease.Owner ?? throw new InvalidOperationException("Only an owned lease can be released.") },
        };
        return await UpdateAsync(lease, "SET #n = :next REMOVE #o, #e", $"{CounterCondition(lease)} AND #o = :me", values, withOwnerSwitches: false, cancellationToken) is not null;
    }

    public async Task<bool> MarkShardEndedAsync(Lease lease, CancellationToken cancellationToken)
    {
        var values = new Dictionary<string, AttributeValue>
        {
            [":next"] = new() { N = (lease.Counter + 1).ToString(CultureInfo.InvariantCulture) },
            [":expected"] = new() { N = lease.Counter.ToString(CultureInfo.InvariantCulture) },
            [":me"] = new() { S = lease.Owner ?? throw new InvalidOperationException("Only an owned lease can be ended.") },
            [":end"] = new() { S = Checkpoints.Checkpoint.ShardEnd },
        };
        return await UpdateAsync(lease, "SET #n = :next, #c = :end REMOVE #o, #e", $"{CounterCondition(lease)} AND #o = :me", values, withOwnerSwitches: false, cancellationToken) is not null;
    }

    public Task DeleteAsync(string subscription, string shardId, CancellationToken cancellationToken) =>
        dynamoDb.DeleteItemAsync(new DeleteItemRequest { TableName = tableName, Key = LeaseTableSchema.Key(subscription, shardId) }, cancellationToken);

    private static string CounterCondition(Lease lease) =>
        lease.Counter == 0 ? "(attribute_not_exists(#n) OR #n = :expected)" : "#n = :expected";

    private Dictionary<string, AttributeValue> Values(long next, TimeSpan leaseDuration) => new()
    {
        [":next"] = new() { N = next.ToString(CultureInfo.InvariantCulture) },
        [":expected"] = new() { N = (next - 1).ToString(CultureInfo.InvariantCulture) },
        [":exp"] = new() { N = (_time.GetUtcNow() + leaseDuration).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture) },
    };

    private async Task<Lease?> UpdateAsync(
        Lease lease,
        string update,
        string condition,
        Dictionary<string, AttributeValue> values,
        bool withOwnerSwitches,
        CancellationToken cancellationToken)
    {
        var names = new Dictionary<string, string>
        {
            ["#o"] = LeaseTableSchema.Owner,
            ["#n"] = LeaseTableSchema.Counter,
        };
        if (update.Contains("#e", StringComparison.Ordinal))
        {
            names["#e"] = LeaseTableSchema.ExpiresAt;
        }

        if (update.Contains("#c", StringComparison.Ordinal))
        {
            names["#c"] = LeaseTableSchema.Checkpoint;
        }

        if (withOwnerSwitches)
        {
            names["#s"] = LeaseTableSchema.OwnerSwitches;
        }

        try
        {
            var response = await dynamoDb.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = tableName,
                Key = LeaseTableSchema.Key(lease.Subscription, lease.ShardId),
                UpdateExpression = update,
                ConditionExpression = condition,
                ExpressionAttributeNames = names,
                ExpressionAttributeValues = values,
                ReturnValues = ReturnValue.ALL_NEW,
            }, cancellationToken);
            return LeaseTableSchema.ToLease(response.Attributes);
        }
        catch (ConditionalCheckFailedException)
        {
            return null;
        }
    }
}
