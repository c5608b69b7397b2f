using EventLedger.EventStore.Events;
using EventLedger.Projections.DynamoDb;

namespace EventLedger.Projections.InvoiceHistory;

/// <summary>
/// One row of the <c>invoice-history</c> read model (table key: <c>invoiceNumber</c> + <c>version</c>): one event of the
/// invoice, as the audit trail shows it. Rows never change once written. Served by <c>GET /invoices/{invoiceNumber}/history</c>.
/// </summary>
/// <param name="InvoiceNumber">The invoice (the event stream id).</param>
/// <param name="Version">The event's version in the invoice's stream (1, 2, …); the sort key, so rows read in order.</param>
/// <param name="EventId">The event's id.</param>
/// <param name="EventType">Stable stored type name, e.g. <c>TransactionRecorded</c>.</param>
/// <param name="SchemaVersion">The payload's schema version for that type.</param>
/// <param name="Payload">The event's payload as JSON text (camelCase, as the event store holds it).</param>
/// <param name="Metadata">Command id, correlation id, causation id and actor of the command that produced the event.</param>
/// <param name="RecordedAt">When the event was appended.</param>
public sealed record InvoiceHistoryRow(
    [property: PartitionKey] string InvoiceNumber,
    [property: SortKey, AppliedVersion] long Version,
    Guid EventId,
    string EventType,
    int SchemaVersion,
    string Payload,
    EventMetadata Metadata,
    DateTimeOffset RecordedAt);
