using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace EventLedger.EventStore.Tables;

/// <summary>Creates the write side's tables if they are missing (idempotent; safe from several processes).</summary>
public static class EventStoreSchema
{
    public static async Task EnsureCreatedAsync(IAmazonDynamoDB db, EventStoreTables tables, CancellationToken ct)
    {
        await DynamoTables.EnsureAsync(db, new CreateTableRequest
        {
            TableName = tables.Events,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new("StreamId", ScalarAttributeType.S), new("Version", ScalarAttributeType.N)],
            KeySchema = [new("StreamId", KeyType.HASH), new("Version", KeyType.RANGE)],
            StreamSpecification = new StreamSpecification { StreamEnabled = true, StreamViewType = StreamViewType.NEW_IMAGE },
        }, ct);
        await DynamoTables.EnsureAsync(db, tables.State, "StreamId", "Key", ct);
        await DynamoTables.EnsureAsync(db, new CreateTableRequest
        {
            TableName = tables.Commands,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new("CommandId", ScalarAttributeType.S)],
            KeySchema = [new("CommandId", KeyType.HASH)],
        }, ct);
    }

    /// <summary>The ARN of the event store's stream (what the projection host consumes).</summary>
    public static async Task<string> GetStreamArnAsync(IAmazonDynamoDB db, EventStoreTables tables, CancellationToken ct)
    {
        var table = await db.DescribeTableAsync(tables.Events, ct);
        return table.Table.LatestStreamArn
            ?? throw new InvalidOperationException($"Table {tables.Events} has no stream enabled.");
    }
}
