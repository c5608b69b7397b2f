using EventLedger.Domain.Invoices;
using EventLedger.EventStore.Events;
using EventLedger.Projections.Common;

namespace EventLedger.Projections.Search;

/// <summary>The events of one transaction in a batch, in version order.</summary>
public sealed record InvoiceSearchChange(string Id, string InvoiceNumber, string TransactionId, IReadOnlyList<StoredEvent> Events);

/// <summary>
/// The search read model as pure functions. A document after an event is a function of that event and the document the
/// transaction was recorded with (adjustments and voids carry every fact but the document), so the fold needs the current
/// document only for that and for its version: events at or below <see cref="InvoiceSearchDocument.LastAppliedVersion"/>
/// change nothing (redelivery), and verifier events change no document.
/// </summary>
public static class InvoiceSearchFold
{
    /// <summary>Applies one event of the document's transaction; returns <paramref name="doc"/> itself when nothing changes.</summary>
    public static InvoiceSearchDocument? Apply(InvoiceSearchDocument? doc, StoredEvent e)
    {
        if (InvoiceDecider.TransactionIdOf(e.Data) is not { } transactionId)
        {
            return doc;
        }

        var id = InvoiceSearchDocument.IdOf(e.StreamId, transactionId);
        if (doc is not null && !string.Equals(doc.Id, id, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Event of {id} applied to the document {doc.Id}.", nameof(e));
        }

        // Strictly newer only: an equal version is the same event delivered again.
        if (doc is not null && e.Version <= doc.LastAppliedVersion)
        {
            return doc;
        }

        return e.Data switch
        {
            TransactionRecorded r => Document(e, id, r.TransactionId, r.Amount, r.Currency, r.Country, r.InvoiceDate,
                InvoiceSearchStatus.Live, r.Verifier, r.Document),

            // Without a document (the record was lost upstream) the event's facts still make a findable one.
            TransactionAdjusted a => Document(e, id, a.TransactionId, a.NewAmount, a.Currency, a.Country, a.InvoiceDate,
                doc?.Status ?? InvoiceSearchStatus.Live, doc?.Verifier, doc?.Document),

            TransactionVoided v => Document(e, id, v.TransactionId, v.Amount, v.Currency, v.Country, v.InvoiceDate,
                InvoiceSearchStatus.Voided, v.VerifiedBy ?? doc?.Verifier, doc?.Document),

            _ => doc,
        };
    }

    public static InvoiceSearchDocument? Apply(InvoiceSearchDocument? doc, IEnumerable<StoredEvent> events) =>
        events.Aggregate(doc, Apply);

    /// <summary>The batch's transaction events grouped by document, in version order (each version once).</summary>
    public static IReadOnlyList<InvoiceSearchChange> Changes(IReadOnlyList<StoredEvent> batch) =>
    [
        .. InvoiceEventGroups.Of(batch).SelectMany(group => group.Events
            .Where(e => InvoiceDecider.TransactionIdOf(e.Data) is not null)
            .GroupBy(e => InvoiceDecider.TransactionIdOf(e.Data)!, StringComparer.Ordinal)
            .Select(tx => new InvoiceSearchChange(InvoiceSearchDocument.IdOf(group.InvoiceNumber, tx.Key), group.InvoiceNumber, tx.Key, [.. tx]))),
    ];

    /// <summary>
    /// The documents a batch changes, given the current documents of its transactions (missing = none yet); documents the
    /// batch leaves as they are (every event already applied) are not returned. Ordered by id, so two writers of
    /// overlapping batches lock rows in the same order.
    /// </summary>
    public static IReadOnlyList<InvoiceSearchDocument> Plan(
        IReadOnlyList<InvoiceSearchChange> changes, IReadOnlyDictionary<string, InvoiceSearchDocument> current)
    {
        var changed = new List<InvoiceSearchDocument>();
        foreach (var change in changes.OrderBy(c => c.Id, StringComparer.Ordinal))
        {
            var before = current.GetValueOrDefault(change.Id);
            if (Apply(before, change.Events) is { } after && !ReferenceEquals(after, before))
            {
                changed.Add(after);
            }
        }

        return changed;
    }

    /// <summary>The whole write path over an in-memory table: what <see cref="InvoiceSearchProjection"/> does to PostgreSQL.</summary>
    public static IReadOnlyDictionary<string, InvoiceSearchDocument> ApplyBatch(
        IReadOnlyDictionary<string, InvoiceSearchDocument> table, IReadOnlyList<StoredEvent> batch)
    {
        var next = new Dictionary<string, InvoiceSearchDocument>(table, StringComparer.Ordinal);
        foreach (var doc in Plan(Changes(batch), table))
        {
            next[doc.Id] = doc;
        }

        return next;
    }

    private static InvoiceSearchDocument Document(
        StoredEvent e, string id, string transactionId, decimal amount, string currency, string country, DateOnly invoiceDate,
        string status, string? verifier, System.Text.Json.JsonElement? document)
    {
        var items = InvoiceDocFields.Items(document);
        return new InvoiceSearchDocument
        {
            Id = id,
            InvoiceNumber = e.StreamId,
            TransactionId = transactionId,
            Amount = amount,
            Currency = currency,
            Country = country,
            InvoiceDate = invoiceDate,
            Status = status,
            Verifier = verifier,
            Document = document,
            Vendor = InvoiceDocFields.Vendor(document),
            Items = items,
            ItemNames = [.. items.Select(i => i.Name).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)],
            SearchText = InvoiceDocFields.SearchText(transactionId, document),
            UpdatedAt = e.RecordedAt,
            LastAppliedVersion = e.Version,
        };
    }
}
