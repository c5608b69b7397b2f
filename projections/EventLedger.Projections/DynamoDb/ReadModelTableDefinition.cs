using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.EventStore.Tables;

namespace EventLedger.Projections.DynamoDb;

/// <summary>A key attribute of a read-model table.</summary>
public sealed record KeyAttribute(string Name, ScalarAttributeType Type);

/// <summary>
/// A read-model table: on-demand capacity and no stream (nothing consumes read models, and a stream on them would
/// slow every write to the stream-enabled event store on DynamoDB Local). Creation is idempotent.
/// </summary>
public sealed record ReadModelTableDefinition(string TableName, KeyAttribute PartitionKey, KeyAttribute? SortKey)
{
    /// <summary>Creates the table unless it exists, then waits until it is ACTIVE. Returns true when this call created it.</summary>
    /// <exception cref="InvalidOperationException">The table exists with another key schema or with a stream.</exception>
    public async Task<bool> CreateIfNotExistsAsync(IAmazonDynamoDB dynamoDb, CancellationToken cancellationToken)
    {
        var created = false;
        var existing = await DescribeAsync(dynamoDb, cancellationToken);
        if (existing is null)
        {
            try
            {
                await dynamoDb.CreateTableAsync(ToCreateRequest(), cancellationToken);
                created = true;
            }
            catch (ResourceInUseException)
            {
                // Someone else (another host, a parallel test) created it first: fine, it is the same definition.
            }
        }
        else
        {
            EnsureMatches(existing);
        }

        await DynamoTables.WaitUntilActiveAsync(dynamoDb, TableName, cancellationToken);
        return created;
    }

    /// <summary>Deletes the table if it exists (an old read-model version after a switch, or a test's table).</summary>
    public Task DeleteIfExistsAsync(IAmazonDynamoDB dynamoDb, CancellationToken cancellationToken) =>
        DynamoTables.DeleteIfExistsAsync(dynamoDb, TableName, cancellationToken);

    public CreateTableRequest ToCreateRequest()
    {
        var attributes = new List<AttributeDefinition> { new(PartitionKey.Name, PartitionKey.Type) };
        var keys = new List<KeySchemaElement> { new(PartitionKey.Name, KeyType.HASH) };
        if (SortKey is { } sort)
        {
            attributes.Add(new AttributeDefinition(sort.Name, sort.Type));
            keys.Add(new KeySchemaElement(sort.Name, KeyType.RANGE));
        }

        return new CreateTableRequest
        {
            TableName = TableName,
            AttributeDefinitions = attributes,
            KeySchema = keys,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            StreamSpecification = new StreamSpecification { StreamEnabled = false },
        };
    }

    private async Task<TableDescription?> DescribeAsync(IAmazonDynamoDB dynamoDb, CancellationToken cancellationToken)
    {
        try
        {
            return (await dynamoDb.DescribeTableAsync(new DescribeTableRequest { TableName = TableName }, cancellationToken)).Table;
        }
        catch (ResourceNotFoundException)
        {
            return null;
        }
    }

    private void EnsureMatches(TableDescription table)
    {
        string Describe(IEnumerable<KeySchemaElement> keys) =>
            string.Join(", ", keys.Select(k => $"{k.AttributeName} {k.KeyType}"));

        var expected = ToCreateRequest().KeySchema;
        var actual = table.KeySchema ?? [];
        var same = expected.Count == actual.Count && expected.Zip(actual).All(p =>
            p.First.AttributeName == p.Second.AttributeName && p.First.KeyType == p.Second.KeyType);
        if (!same)
        {
            throw new InvalidOperationException(
                $"Table '{TableName}' exists with key ({Describe(actual)}), but this read model needs ({Describe(expected)}). " +
                "Build a new read-model version instead of reusing the table.");
        }

        if (table.StreamSpecification?.StreamEnabled == true)
        {
            throw new InvalidOperationException(
                $"Table '{TableName}' has a stream enabled; read-model tables must not (it slows the event store's stream on DynamoDB Local). " +
                "Disable it or build a new read-model version.");
        }
    }
}
