using Amazon.DynamoDBv2.Model;

namespace EventLedger.Projections.DynamoDb;

/// <summary>
/// The slow path of a coalesced conditional write whose condition failed (the batch overlaps what the row has applied:
/// a redelivery or a replay): read the row consistently, fold only the events newer than it, and put the result on
/// condition that the row's version is still the one read. Every change to a row raises its version, so the version is
/// an optimistic lock; if another writer won meanwhile (only during a lease hand-over), read again.
/// </summary>
internal static class ReadFoldWrite
{
    public const string LastAppliedVersion = "lastAppliedVersion";

    public static async Task RunAsync<TRow>(
        BoundedDynamoDb db,
        string tableName,
        Dictionary<string, AttributeValue> key,
        string partitionKeyAttribute,
        Func<IReadOnlyDictionary<string, AttributeValue>, TRow> fromItem,
        Func<TRow?, TRow> fold,
        Func<TRow, long> versionOf,
        Func<TRow, Dictionary<string, AttributeValue>> toItem,
        CancellationToken cancellationToken)
        where TRow : class
    {
        for (var round = 0; ; round++)
        {
            var read = await db.CallAsync((d, ct) => d.GetItemAsync(
                new GetItemRequest { TableName = tableName, Key = key, ConsistentRead = true }, ct), cancellationToken);
            var row = read.Item is { Count: > 0 } item ? fromItem(item) : null;
            var next = fold(row);
            if (next.Equals(row))
            {
                return; // every event of the change was applied already
            }

            var put = new PutItemRequest { TableName = tableName, Item = toItem(next) };
            if (row is null)
            {
                put.ConditionExpression = "attribute_not_exists(#pk)";
                put.ExpressionAttributeNames = new() { ["#pk"] = partitionKeyAttribute };
            }
            else
            {
                put.ConditionExpression = "#v = :read";
                put.ExpressionAttributeNames = new() { ["#v"] = LastAppliedVersion };
                put.ExpressionAttributeValues = new() { [":read"] = Attr.N(versionOf(row)) };
            }

            try
            {
                await db.CallAsync((d, ct) => d.PutItemAsync(put, ct), cancellationToken);
                return;
            }
            catch (ConditionalCheckFailedException) when (round < db.Options.MaxConditionalRetries)
            {
                await db.BackoffAsync(round, cancellationToken);
            }
            catch (ConditionalCheckFailedException ex)
            {
                throw new ProjectionStoreException(
                    $"'{tableName}': the row kept changing under a read-fold-write ({round + 1} rounds); is a second writer applying the same shard? {ex.Message}");
            }
        }
    }
}
