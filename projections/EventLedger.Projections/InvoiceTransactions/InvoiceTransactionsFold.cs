using EventLedger.Domain.Invoices;
using EventLedger.EventStore.Events;
using EventLedger.Projections.Common;

namespace EventLedger.Projections.InvoiceTransactions;

/// <summary>
/// The invoice-transactions read model as pure functions: a guarded per-event <see cref="Apply(InvoiceTransactionRow?, StoredEvent)"/>
/// and <see cref="Changes"/>, which groups a batch by transaction. The projection reads the current rows, folds each
/// group onto its row, and writes only the rows that changed.
/// </summary>
public static class InvoiceTransactionsFold
{
    /// <summary>Applies one event of the row's transaction. Events at or below the row's version, and events about no
    /// transaction (verifier changes), change nothing.</summary>
    public static InvoiceTransactionRow? Apply(InvoiceTransactionRow? row, StoredEvent e)
    {
        if (InvoiceDecider.TransactionIdOf(e.Data) is not { } transactionId)
        {
            return row;
        }

        if (row is not null && (!string.Equals(row.InvoiceNumber, e.StreamId, StringComparison.Ordinal)
                                || !string.Equals(row.TransactionId, transactionId, StringComparison.Ordinal)))
        {
            throw new ArgumentException(
                $"Event of ({e.StreamId}, {transactionId}) applied to the row of ({row.InvoiceNumber}, {row.TransactionId}).", nameof(e));
        }

        if (row is not null && e.Version <= row.LastAppliedVersion)
        {
            return row;
        }

        return e.Data switch
        {
            TransactionRecorded r => new InvoiceTransactionRow(e.StreamId, r.TransactionId, r.Amount, r.Currency, r.Country,
                r.InvoiceDate, TransactionStatus.Live, r.Verifier, r.Document?.GetRawText(), e.RecordedAt, e.Version),

            // Without a row (a read model started after the transaction was recorded) the event's facts rebuild it.
            TransactionAdjusted a => (row ?? new InvoiceTransactionRow(e.StreamId, a.TransactionId, a.NewAmount, a.Currency,
                    a.Country, a.InvoiceDate, TransactionStatus.Live, null, null, e.RecordedAt, e.Version))
                with { Amount = a.NewAmount, UpdatedAt = e.RecordedAt, LastAppliedVersion = e.Version },

            TransactionVoided v => (row ?? new InvoiceTransactionRow(e.StreamId, v.TransactionId, v.Amount, v.Currency,
                    v.Country, v.InvoiceDate, TransactionStatus.Voided, v.VerifiedBy, null, e.RecordedAt, e.Version))
                with { Amount = v.Amount, Status = TransactionStatus.Voided, VerifiedBy = v.VerifiedBy, UpdatedAt = e.RecordedAt, LastAppliedVersion = e.Version },

            _ => row,
        };
    }

    public static InvoiceTransactionRow? Apply(InvoiceTransactionRow? row, IEnumerable<StoredEvent> events) =>
        events.Aggregate(row, Apply);

    /// <summary>The batch's events grouped by (invoice, transaction), in version order. Verifier events are not included.</summary>
    public static IReadOnlyList<InvoiceTransactionChange> Changes(IReadOnlyList<StoredEvent> batch) =>
    [
        .. InvoiceEventGroups.Of(batch).SelectMany(group => group.Events
            .Where(e => InvoiceDecider.TransactionIdOf(e.Data) is not null)
            .GroupBy(e => InvoiceDecider.TransactionIdOf(e.Data)!, StringComparer.Ordinal)
            .Select(tx => new InvoiceTransactionChange(group.InvoiceNumber, tx.Key, [.. tx]))),
    ];

    /// <summary>The whole write path over an in-memory table: what <see cref="InvoiceTransactionsProjection"/> does to DynamoDB.</summary>
    public static IReadOnlyDictionary<(string Invoice, string TransactionId), InvoiceTransactionRow> ApplyBatch(
        IReadOnlyDictionary<(string Invoice, string TransactionId), InvoiceTransactionRow> table, IReadOnlyList<StoredEvent> batch)
    {
        var next = new Dictionary<(string, string), InvoiceTransactionRow>(table);
        foreach (var change in Changes(batch))
        {
            var key = (change.InvoiceNumber, change.TransactionId);
            if (Apply(next.GetValueOrDefault(key), change.Events) is { } row)
            {
                next[key] = row;
            }
        }

        return next;
    }
}

/// <summary>The events of one batch about one transaction, in version order.</summary>
public sealed record InvoiceTransactionChange(string InvoiceNumber, string TransactionId, IReadOnlyList<StoredEvent> Events);
