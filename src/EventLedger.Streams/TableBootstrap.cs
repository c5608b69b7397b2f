using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace EventLedger.Streams;

/// <summary>Creates a small on-demand table if it does not exist and waits until it is ACTIVE.</summary>
internal static class TableBootstrap
{
    public static async Task EnsureAsync(IAmazonDynamoDB dynamoDb, string tableName, string partitionKey, string sortKey, CancellationToken cancellationToken)
    {
        try
        {
            var existing = await dynamoDb.DescribeTableAsync(tableName, cancellationToken);
            if (existing.Table.TableStatus == TableStatus.ACTIVE)
            {
                return;
            }
        }
        catch (ResourceNotFoundException)
        {
            try
            {
                await dynamoDb.CreateTableAsync(new CreateTableRequest
                {
                    TableName = tableName,
                    BillingMode = BillingMode.PAY_PER_REQUEST,
                    AttributeDefinitions =
                    [
                        new AttributeDefinition(partitionKey, ScalarAttributeType.S),
                        new AttributeDefinition(sortKey, ScalarAttributeType.S),
                    ],
                    KeySchema =
                    [
                        new KeySchemaElement(partitionKey, KeyType.HASH),
                        new KeySchemaElement(sortKey, KeyType.RANGE),
                    ],
                }, cancellationToken);
            }
            catch (ResourceInUseException)
            {
                // Another host created it first.
            }
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            var described = await dynamoDb.DescribeTableAsync(tableName, cancellationToken);
            if (described.Table.TableStatus == TableStatus.ACTIVE)
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Table {tableName} did not become ACTIVE within 2 minutes (status {described.Table.TableStatus}).");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
        }
    }
}
