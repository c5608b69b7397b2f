using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.EventStore.Events;
using EventLedger.Projections.DynamoDb;

namespace EventLedger.Projections.InvoiceHistory;

/// <summary>The invoice-history table: PK <c>invoiceNumber</c> (S), SK <c>version</c> (N).</summary>
public static class InvoiceHistoryTable
{
    public const string InvoiceNumber = "invoiceNumber";
    public const string Version = "version";
    public const string EventId = "eventId";
    public const string EventType = "eventType";
    public const string SchemaVersion = "schemaVersion";
    public const string Payload = "payload";
    public const string Metadata = "metadata";
    public const string RecordedAt = "recordedAt";

    private const string CommandId = "commandId";
    private const string CorrelationId = "correlationId";
    private const string CausationId = "causationId";
    private const string Actor = "actor";

    public static ReadModelTableDefinition Definition(string tableName) =>
        new(tableName, new KeyAttribute(InvoiceNumber, ScalarAttributeType.S), new KeyAttribute(Version, ScalarAttributeType.N));

    public static Dictionary<string, AttributeValue> Key(string invoiceNumber, long version) => new()
    {
        [InvoiceNumber] = Attr.S(invoiceNumber),
        [Version] = Attr.N(version),
    };

    public static Dictionary<string, AttributeValue> ToItem(InvoiceHistoryRow row)
    {
        var metadata = new Dictionary<string, AttributeValue> { [CorrelationId] = Attr.S(row.Metadata.CorrelationId) };
        if (row.Metadata.CommandId is { } command)
        {
            metadata[CommandId] = Attr.S(command);
        }

        if (row.Metadata.CausationId is { } causation)
        {
            metadata[CausationId] = Attr.S(causation);
        }

        if (row.Metadata.Actor is { } actor)
        {
            metadata[Actor] = Attr.S(actor);
        }

        var item = Key(row.InvoiceNumber, row.Version);
        item[EventId] = Attr.S(row.EventId.ToString());
        item[EventType] = Attr.S(row.EventType);
        item[SchemaVersion] = Attr.N(row.SchemaVersion);
        item[Payload] = Attr.S(row.Payload);
        item[Metadata] = new AttributeValue { M = metadata };
        item[RecordedAt] = Attr.Time(row.RecordedAt);
        return item;
    }

    public static InvoiceHistoryRow FromItem(IReadOnlyDictionary<string, AttributeValue> item)
    {
        var metadata = item.TryGetValue(Metadata, out var m) && m.M is { } map ? map : [];
        return new InvoiceHistoryRow(
            Attr.GetS(item, InvoiceNumber),
            Attr.GetLong(item, Version),
            Guid.Parse(Attr.GetS(item, EventId)),
            Attr.GetS(item, EventType),
            (int)Attr.GetLong(item, SchemaVersion),
            Attr.GetS(item, Payload),
            new EventMetadata(
                Attr.GetOptionalS(metadata, CommandId),
                Attr.GetOptionalS(metadata, CorrelationId) ?? string.Empty,
                Attr.GetOptionalS(metadata, CausationId),
                Attr.GetOptionalS(metadata, Actor)),
            Attr.GetTime(item, RecordedAt));
    }
}
