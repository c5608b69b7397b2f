using EventLedger.EventStore.Events;
using EventLedger.Projections.Common;

namespace EventLedger.Projections.InvoiceHistory;

/// <summary>
/// The invoice-history read model as pure functions. Each event becomes its own row, keyed by its version, and never
/// changes: the version guard is the key itself (a redelivered event maps to the same row with the same content).
/// </summary>
public static class InvoiceHistoryFold
{
    public static InvoiceHistoryRow ToRow(StoredEvent e) => new(
        e.StreamId, e.Version, e.EventId, e.EventType, e.SchemaVersion, EventTypeMap.Serialize(e.Data), e.Metadata, e.RecordedAt);

    /// <summary>One row per (invoice, version) of the batch, in version order per invoice.</summary>
    public static IReadOnlyList<InvoiceHistoryRow> Changes(IReadOnlyList<StoredEvent> batch) =>
        [.. InvoiceEventGroups.Of(batch).SelectMany(g => g.Events.Select(ToRow))];

    /// <summary>The whole write path over an in-memory table: what <see cref="InvoiceHistoryProjection"/> does to DynamoDB.
    /// A row already present is kept as it is.</summary>
    public static IReadOnlyDictionary<(string Invoice, long Version), InvoiceHistoryRow> ApplyBatch(
        IReadOnlyDictionary<(string Invoice, long Version), InvoiceHistoryRow> table, IReadOnlyList<StoredEvent> batch)
    {
        var next = new Dictionary<(string, long), InvoiceHistoryRow>(table);
        foreach (var row in Changes(batch))
        {
            next.TryAdd((row.InvoiceNumber, row.Version), row);
        }

        return next;
    }
}
