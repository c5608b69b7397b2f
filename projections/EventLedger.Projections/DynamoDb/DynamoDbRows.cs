using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace EventLedger.Projections.DynamoDb;

/// <summary>Reads one version's table of a DynamoDB read model (consistent reads). Cheap: construct one per request.</summary>
public sealed class DynamoDbRows<TRow>(IAmazonDynamoDB dynamoDb, string tableName) where TRow : class
{
    private static readonly RowMapper<TRow> Rows = new();

    public string TableName => tableName;

    /// <summary>The row with this key, or null.</summary>
    public async Task<TRow?> GetAsync(string partition, object? sort = null, CancellationToken cancellationToken = default)
    {
        var response = await dynamoDb.GetItemAsync(new GetItemRequest
        {
            TableName = tableName,
            Key = Rows.Key(new RowKey(partition, sort)),
            ConsistentRead = true,
        }, cancellationToken);
        return response.Item is { Count: > 0 } item ? Rows.FromItem(item) : null;
    }

    /// <summary>
    /// The partition's rows in sort-key order (byte order for strings), following every page; only those whose sort key
    /// begins with <paramref name="sortKeyPrefix"/> when one is given (<c>begins_with</c>).
    /// </summary>
    public async Task<IReadOnlyList<TRow>> ListAsync(string partition, string? sortKeyPrefix = null, CancellationToken cancellationToken = default)
    {
        var request = new QueryRequest
        {
            TableName = tableName,
            KeyConditionExpression = "#pk = :pk",
            ExpressionAttributeNames = new() { ["#pk"] = Rows.PartitionKey.Name },
            ExpressionAttributeValues = new() { [":pk"] = new AttributeValue { S = partition } },
            ScanIndexForward = true,
            ConsistentRead = true,
        };
        if (!string.IsNullOrEmpty(sortKeyPrefix))
        {
            var sortKey = Rows.SortKey ?? throw new InvalidOperationException($"{typeof(TRow).Name} has no sort key to match a prefix on.");
            request.KeyConditionExpression += " AND begins_with(#sk, :prefix)";
            request.ExpressionAttributeNames["#sk"] = sortKey.Name;
            request.ExpressionAttributeValues[":prefix"] = new AttributeValue { S = sortKeyPrefix };
        }

        var items = await Paging.QueryAllAsync(dynamoDb, request, cancellationToken);
        return [.. items.Select(Rows.FromItem)];
    }
}
