using EventLedger.Domain.Invoices;
using EventLedger.EventStore.Events;
using EventLedger.Projections.DynamoDb;

namespace EventLedger.Projections.InvoiceHistory;

/// <summary>
/// invoice-history: every event of an invoice as a row keyed by its version (the audit trail). A row is a pure function
/// of its event and never changes, so rows are put without a read: putting one again writes the same item.
/// </summary>
public sealed class InvoiceHistoryProjection : DynamoDbReadModel<InvoiceHistoryRow>
{
    public const string ProjectionName = "invoice-history";
    public const int CurrentSchemaVersion = 1;

    public InvoiceHistoryProjection() : base(ProjectionName, CurrentSchemaVersion) =>
        On<IInvoiceEvent>((_, at) => at.Version, (_, _, at) => ToRow(at));

    protected override bool RowsNeverChange => true;

    public static InvoiceHistoryRow ToRow(StoredEvent e) => new(
        e.StreamId, e.Version, e.EventId, e.EventType, e.SchemaVersion, EventTypeMap.Serialize(e.Data), e.Metadata, e.RecordedAt);
}
