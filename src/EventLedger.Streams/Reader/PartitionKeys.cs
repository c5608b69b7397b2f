using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.Streams.Client.Model;

namespace EventLedger.Streams.Reader;

/// <summary>Default partition-key selectors: the table's HASH key value from <see cref="StreamRecord.Keys"/>.</summary>
public static class PartitionKeys
{
    public static Func<Record, string> FromKeySchema(IReadOnlyList<KeySchemaElement> keySchema)
    {
        var hash = keySchema.FirstOrDefault(k => k.KeyType == KeyType.HASH)?.AttributeName;
        return hash is null ? AllKeys : record => record.Dynamodb.Keys.TryGetValue(hash, out var value) ? Text(value) : AllKeys(record);
    }

    /// <summary>All key attributes, sorted by name: every item is its own partition.</summary>
    public static string AllKeys(Record record) =>
        string.Join('\u001f', record.Dynamodb.Keys.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key}={Text(k.Value)}"));

    private static string Text(AttributeValue value) =>
        value.S ?? value.N ?? (value.B is { } b ? Convert.ToBase64String(b.ToArray()) : "");
}
