using System.Globalization;
using Amazon.DynamoDBv2.Model;

namespace EventLedger.EventStore.Events;

/// <summary>
/// The one place that knows how an event is laid out as a DynamoDB item. Used by the store to write and read,
/// and by stream consumers to decode a record's NEW_IMAGE.
/// </summary>
public static class EventItem
{
    public const string StreamId = "StreamId";
    public const string Version = "Version";
    public const string EventId = "EventId";
    public const string EventType = "EventType";
    public const string SchemaVersion = "SchemaVersion";
    public const string Payload = "Payload";
    public const string Metadata = "Metadata";
    public const string RecordedAt = "RecordedAt";

    public static Dictionary<string, AttributeValue> ToItem(StoredEvent e)
    {
        var meta = new Dictionary<string, AttributeValue>
        {
            ["CorrelationId"] = new() { S = e.Metadata.CorrelationId },
        };
        if (e.Metadata.CommandId is { } cmd) meta["CommandId"] = new() { S = cmd };
        if (e.Metadata.CausationId is { } cause) meta["CausationId"] = new() { S = cause };
        if (e.Metadata.Actor is { } actor) meta["Actor"] = new() { S = actor };

        return new Dictionary<string, AttributeValue>
        {
            [StreamId] = new() { S = e.StreamId },
            [Version] = new() { N = e.Version.ToString(CultureInfo.InvariantCulture) },
            [EventId] = new() { S = e.EventId.ToString() },
            [EventType] = new() { S = e.EventType },
            [SchemaVersion] = new() { N = e.SchemaVersion.ToString(CultureInfo.InvariantCulture) },
            [Payload] = new() { S = EventTypeMap.Serialize(e.Data) },
            [Metadata] = new() { M = meta },
            [RecordedAt] = new() { S = e.RecordedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) },
        };
    }

    /// <summary>True when an item (e.g. a stream record's image) has the shape of an event.</summary>
    public static bool IsEvent(IReadOnlyDictionary<string, AttributeValue> item) =>
        item.ContainsKey(StreamId) && item.ContainsKey(Version) && item.ContainsKey(EventType) && item.ContainsKey(Payload);

    public static StoredEvent FromItem(IReadOnlyDictionary<string, AttributeValue> item)
    {
        var type = item[EventType].S;
        var schema = int.Parse(item[SchemaVersion].N, CultureInfo.InvariantCulture);
        var meta = item.TryGetValue(Metadata, out var m) && m.M is { } map ? map : [];
        return new StoredEvent(
            item[StreamId].S,
            long.Parse(item[Version].N, CultureInfo.InvariantCulture),
            Guid.Parse(item[EventId].S),
            type,
            schema,
            EventTypeMap.Deserialize(type, schema, item[Payload].S),
            new EventMetadata(
                Get(meta, "CommandId"),
                Get(meta, "CorrelationId") ?? string.Empty,
                Get(meta, "CausationId"),
                Get(meta, "Actor")),
            DateTimeOffset.Parse(item[RecordedAt].S, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind));
    }

    private static string? Get(Dictionary<string, AttributeValue> map, string key) =>
        map.TryGetValue(key, out var v) ? v.S : null;
}
