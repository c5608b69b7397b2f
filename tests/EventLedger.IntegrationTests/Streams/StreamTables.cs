using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace EventLedger.IntegrationTests.Streams;

/// <summary>Stream-enabled test tables keyed (pk S, sk N), like the event store (invoice, version).</summary>
internal static class StreamTables
{
    public static async Task<string> CreateAsync(IAmazonDynamoDB dynamoDb, string tableName, StreamViewType? viewType = null)
    {
        var response = await dynamoDb.CreateTableAsync(new CreateTableRequest
        {
            TableName = tableName,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new("pk", ScalarAttributeType.S), new("sk", ScalarAttributeType.N)],
            KeySchema = [new("pk", KeyType.HASH), new("sk", KeyType.RANGE)],
            StreamSpecification = new StreamSpecification { StreamEnabled = true, StreamViewType = viewType ?? StreamViewType.NEW_IMAGE },
        });
        return response.TableDescription.LatestStreamArn;
    }

    public static Dictionary<string, AttributeValue> Item(string pk, int sk, string? payload = null)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            ["pk"] = new() { S = pk },
            ["sk"] = new() { N = sk.ToString(CultureInfo.InvariantCulture) },
        };
        if (payload is not null)
        {
            item["payload"] = new() { S = payload };
        }

        return item;
    }

    /// <summary>Writes versions 1..<paramref name="versions"/> of each key, one BatchWriteItem round per version, so that each key's records are in order.</summary>
    public static async Task WriteRoundsAsync(IAmazonDynamoDB dynamoDb, string tableName, IReadOnlyList<string> keys, int fromVersion, int toVersion, Func<string, int, string?>? payload = null)
    {
        for (var version = fromVersion; version <= toVersion; version++)
        {
            foreach (var chunk in keys.Chunk(25))
            {
                var requests = chunk.Select(k => new WriteRequest(new PutRequest(Item(k, version, payload?.Invoke(k, version))))).ToList();
                var pending = new Dictionary<string, List<WriteRequest>> { [tableName] = requests };
                while (pending.Count > 0)
                {
                    var response = await dynamoDb.BatchWriteItemAsync(new BatchWriteItemRequest { RequestItems = pending });
                    pending = response.UnprocessedItems is { Count: > 0 } left ? left : [];
                }
            }
        }
    }

    public static (string Pk, int Sk) KeyOf(EventLedger.Streams.Client.Model.Record record) =>
        (record.Dynamodb.Keys["pk"].S, int.Parse(record.Dynamodb.Keys["sk"].N, CultureInfo.InvariantCulture));
}
