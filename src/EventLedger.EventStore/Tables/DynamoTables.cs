using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace EventLedger.EventStore.Tables;

/// <summary>
/// Create-if-missing and wait-until-active, shared by every component that owns tables (the event store, the stream
/// reader's leases and dead letters, the rebuild registry, reactions, read models).
/// </summary>
public static class DynamoTables
{
    /// <summary>Creates the table unless it exists, then waits until it is ACTIVE.</summary>
    public static async Task EnsureAsync(IAmazonDynamoDB db, CreateTableRequest request, CancellationToken ct)
    {
        // Described first: where the tables exist, a host whose role may not create tables still starts.
        try
        {
            if ((await db.DescribeTableAsync(request.TableName, ct)).Table.TableStatus == TableStatus.ACTIVE)
            {
                return;
            }
        }
        catch (ResourceNotFoundException)
        {
            try
            {
                await db.CreateTableAsync(request, ct);
            }
            catch (ResourceInUseException)
            {
                // Another process created it first: fine, wait for it below.
            }
        }

        await WaitUntilActiveAsync(db, request.TableName, ct);
    }

    /// <summary>An on-demand table keyed by two string attributes (partition, sort), ensured as <see cref="EnsureAsync(IAmazonDynamoDB, CreateTableRequest, CancellationToken)"/> does.</summary>
    public static Task EnsureAsync(IAmazonDynamoDB db, string table, string partitionKey, string sortKey, CancellationToken ct) =>
        EnsureAsync(db, new CreateTableRequest
        {
            TableName = table,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new(partitionKey, ScalarAttributeType.S), new(sortKey, ScalarAttributeType.S)],
            KeySchema = [new(partitionKey, KeyType.HASH), new(sortKey, KeyType.RANGE)],
        }, ct);

    public static async Task WaitUntilActiveAsync(IAmazonDynamoDB db, string table, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow.AddMinutes(5);
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            var status = (await db.DescribeTableAsync(table, ct)).Table.TableStatus;
            if (status == TableStatus.ACTIVE)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Table {table} is still {status} after 5 minutes.");
            }

            await Task.Delay(delay, ct);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 2000));
        }
    }

    public static async Task DeleteIfExistsAsync(IAmazonDynamoDB db, string table, CancellationToken ct)
    {
        try
        {
            await db.DeleteTableAsync(table, ct);
        }
        catch (ResourceNotFoundException)
        {
        }
    }
}
