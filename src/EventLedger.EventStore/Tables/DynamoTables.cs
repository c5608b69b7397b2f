using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace EventLedger.EventStore.Tables;

/// <summary>Create-if-missing and wait-until-active, shared by every component that owns tables.</summary>
public static class DynamoTables
{
    public static async Task EnsureAsync(IAmazonDynamoDB db, CreateTableRequest request, CancellationToken ct)
    {
        try
        {
            await db.CreateTableAsync(request, ct);
        }
        catch (ResourceInUseException)
        {
            // Another process (or an earlier run) created it: fine, wait for it below.
        }

        await WaitUntilActiveAsync(db, request.TableName, ct);
    }

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
