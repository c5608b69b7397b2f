using EventLedger.Domain.Invoices;
using EventLedger.EventStore.Events;
using EventLedger.Projections.Common;

namespace EventLedger.Projections.InvoiceTotals;

/// <summary>
/// The invoice-totals read model as pure functions. <see cref="Apply(InvoiceTotalsRow?, StoredEvent)"/> is the definition
/// (one event, guarded by version); <see cref="Changes"/> coalesces a batch into one delta per invoice, which the projection
/// writes with one conditional <c>ADD</c>; <see cref="Write"/> models that write (delta when the condition holds, else the
/// fallback fold) so tests can prove both paths agree.
/// </summary>
public static class InvoiceTotalsFold
{
    /// <summary>Applies one event of the row's invoice. Events at or below the row's version change nothing.</summary>
    public static InvoiceTotalsRow Apply(InvoiceTotalsRow? row, StoredEvent e)
    {
        if (row is not null && !string.Equals(row.InvoiceNumber, e.StreamId, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Event of invoice '{e.StreamId}' applied to the row of '{row.InvoiceNumber}'.", nameof(e));
        }

        if (row is not null && e.Version <= row.LastAppliedVersion)
        {
            return row;
        }

        var current = row ?? new InvoiceTotalsRow(e.StreamId, 0m, null, 0, e.RecordedAt, 0);
        var (total, count, currency) = DeltaOf(e.Data);
        return current with
        {
            Total = current.Total + total,
            TransactionCount = current.TransactionCount + count,
            Currency = currency ?? current.Currency,
            UpdatedAt = e.RecordedAt,
            LastAppliedVersion = e.Version,
        };
    }

    public static InvoiceTotalsRow? Apply(InvoiceTotalsRow? row, IEnumerable<StoredEvent> events) =>
        events.Aggregate(row, (r, e) => Apply(r, e));

    /// <summary>One change per invoice of the batch: the summed deltas of its events, in version order.</summary>
    public static IReadOnlyList<InvoiceTotalsChange> Changes(IReadOnlyList<StoredEvent> batch) =>
    [
        .. InvoiceEventGroups.Of(batch).Select(group =>
        {
            decimal total = 0;
            long count = 0;
            string? currency = null;
            foreach (var e in group.Events)
            {
                var delta = DeltaOf(e.Data);
                total += delta.Total;
                count += delta.Count;
                currency = delta.Currency ?? currency;
            }

            return new InvoiceTotalsChange(group.InvoiceNumber, total, count, currency,
                group.Events[^1].RecordedAt, group.Events[0].Version, group.Events[^1].Version, group.Events);
        }),
    ];

    /// <summary>
    /// What the projection's write does to a row: if the row is absent or older than the whole change, add the deltas
    /// (the conditional UpdateItem); otherwise fold only the change's events newer than the row (the fallback).
    /// </summary>
    public static InvoiceTotalsRow Write(InvoiceTotalsRow? row, InvoiceTotalsChange change)
    {
        if (row is null || row.LastAppliedVersion < change.FirstVersion)
        {
            return new InvoiceTotalsRow(
                change.InvoiceNumber,
                (row?.Total ?? 0m) + change.TotalDelta,
                change.Currency ?? row?.Currency,
                (row?.TransactionCount ?? 0) + change.TransactionCountDelta,
                change.UpdatedAt,
                change.LastVersion);
        }

        return Apply(row, change.Events)!;
    }

    /// <summary>The whole write path over an in-memory table: what <see cref="InvoiceTotalsProjection"/> does to DynamoDB.</summary>
    public static IReadOnlyDictionary<string, InvoiceTotalsRow> ApplyBatch(
        IReadOnlyDictionary<string, InvoiceTotalsRow> table, IReadOnlyList<StoredEvent> batch)
    {
        var next = new Dictionary<string, InvoiceTotalsRow>(table, StringComparer.Ordinal);
        foreach (var change in Changes(batch))
        {
            next[change.InvoiceNumber] = Write(next.GetValueOrDefault(change.InvoiceNumber), change);
        }

        return next;
    }

    private static (decimal Total, long Count, string? Currency) DeltaOf(IInvoiceEvent e) => e switch
    {
        TransactionRecorded r => (r.Amount, 1, r.Currency),
        TransactionAdjusted a => (a.NewAmount - a.PreviousAmount, 0, a.Currency),
        TransactionVoided v => (-v.Amount, -1, v.Currency),
        _ => (0m, 0, null),
    };
}

/// <summary>The coalesced effect of one batch on one invoice's totals row.</summary>
/// <param name="FirstVersion">Lowest version in the batch for the invoice: the row must be older than this for a plain ADD.</param>
/// <param name="LastVersion">Highest version: the row's new LastAppliedVersion.</param>
/// <param name="Events">The invoice's events of the batch, for the fallback fold when the batch overlaps the row.</param>
public sealed record InvoiceTotalsChange(
    string InvoiceNumber,
    decimal TotalDelta,
    long TransactionCountDelta,
    string? Currency,
    DateTimeOffset UpdatedAt,
    long FirstVersion,
    long LastVersion,
    IReadOnlyList<StoredEvent> Events);
