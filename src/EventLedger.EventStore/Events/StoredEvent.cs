using EventLedger.Domain.Invoices;

namespace EventLedger.EventStore.Events;

/// <summary>Who and what caused an event: copied from the command into every event it produced.</summary>
public sealed record EventMetadata(string? CommandId, string CorrelationId, string? CausationId, string? Actor)
{
    public static EventMetadata New(string? commandId = null, string? actor = null) =>
        new(commandId, Guid.NewGuid().ToString("N"), commandId, actor);
}

/// <summary>An event as the event store holds it: one item of the events table.</summary>
/// <param name="StreamId">The invoice stream id (the invoice number).</param>
/// <param name="Version">1, 2, 3 … with no gaps within the stream.</param>
/// <param name="EventType">Stable stored type name, e.g. <c>TransactionRecorded</c>.</param>
/// <param name="SchemaVersion">The payload's schema version for that type.</param>
public sealed record StoredEvent(
    string StreamId,
    long Version,
    Guid EventId,
    string EventType,
    int SchemaVersion,
    IInvoiceEvent Data,
    EventMetadata Metadata,
    DateTimeOffset RecordedAt);
