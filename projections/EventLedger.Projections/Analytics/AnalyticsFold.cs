using EventLedger.Domain.Invoices;
using EventLedger.EventStore.Events;

namespace EventLedger.Projections.Analytics;

/// <summary>One applied transaction event (a row of <c>facts</c>).</summary>
internal sealed record FactRow(
    string InvoiceNumber,
    long Version,
    Guid EventId,
    string EventType,
    string TransactionId,
    decimal Amount,
    decimal AmountDelta,
    short CountDelta,
    string Currency,
    string Country,
    DateOnly InvoiceDate,
    DateTimeOffset RecordedAt);

/// <summary>A transaction's state after the last event applied to it (a row of <c>transactions</c>).</summary>
internal sealed record TransactionRow(
    string InvoiceNumber,
    string TransactionId,
    decimal Amount,
    string Currency,
    string Country,
    DateOnly InvoiceDate,
    bool Live,
    long LastVersion)
{
    public string Status => Live ? "live" : "voided";
}

/// <summary>The highest stream version applied to an invoice (a row of <c>invoices</c>).</summary>
internal readonly record struct InvoiceVersion(string InvoiceNumber, long AppliedVersion);

/// <summary>An invoice whose first new event is not the one after its applied version: an event went missing upstream.</summary>
internal readonly record struct VersionGap(string InvoiceNumber, long Expected, long Received);

/// <summary>What applying a batch changes. Every row carries the version that produced it, so writing it is idempotent.</summary>
internal sealed record AnalyticsChanges(
    IReadOnlyList<FactRow> Facts,
    IReadOnlyList<TransactionRow> Transactions,
    IReadOnlyList<InvoiceVersion> Invoices,
    int AppliedEvents,
    int SkippedEvents,
    IReadOnlyList<VersionGap> Gaps)
{
    public bool IsEmpty => Invoices.Count == 0;
}

/// <summary>
/// The analytics fold, free of I/O: which events of a batch are new, and the rows they produce.
/// The store writes the result with guards (<c>facts</c> insert-once by (invoice, version); <c>transactions</c> and
/// <c>invoices</c> updated only when the incoming version is greater), so the same rows written twice change nothing.
/// </summary>
internal static class AnalyticsFold
{
    /// <param name="events">In stream order per invoice; invoices may interleave. Duplicates and older events are allowed.</param>
    /// <param name="appliedVersions">The version already applied per invoice (missing = 0, nothing applied).</param>
    public static AnalyticsChanges Plan(IEnumerable<StoredEvent> events, IReadOnlyDictionary<string, long> appliedVersions)
    {
        var byInvoice = new Dictionary<string, List<StoredEvent>>(StringComparer.Ordinal);
        var total = 0;
        foreach (var e in events)
        {
            total++;
            if (!byInvoice.TryGetValue(e.StreamId, out var list))
            {
                byInvoice[e.StreamId] = list = [];
            }

            list.Add(e);
        }

        var facts = new List<FactRow>(total);
        var transactions = new Dictionary<(string, string), TransactionRow>();
        var invoices = new List<InvoiceVersion>(byInvoice.Count);
        var gaps = new List<VersionGap>();
        var applied = 0;

        foreach (var (invoice, list) in byInvoice)
        {
            var current = appliedVersions.TryGetValue(invoice, out var v) ? v : 0;
            var start = current;

            // Guard: only versions strictly greater than the applied one are new. A redelivered event (version equal)
            // or an older one (lower) is a no-op. Sorting copes with a batch the host assembled out of order.
            foreach (var e in list.Where(e => e.Version > start).OrderBy(e => e.Version))
            {
                if (e.Version == current)
                {
                    continue; // the same event twice in one batch
                }

                if (e.Version != current + 1)
                {
                    gaps.Add(new VersionGap(invoice, current + 1, e.Version));
                }

                current = e.Version;
                applied++;
                if (ToFact(e) is { } fact)
                {
                    facts.Add(fact);
                    transactions[(invoice, fact.TransactionId)] = new TransactionRow(
                        invoice, fact.TransactionId, fact.Amount, fact.Currency, fact.Country, fact.InvoiceDate,
                        Live: fact.CountDelta >= 0, LastVersion: e.Version);
                }
            }

            if (current > start)
            {
                invoices.Add(new InvoiceVersion(invoice, current));
            }
        }

        // Key order: concurrent appliers then take row locks in the same order (no deadlock between them), and
        // B-tree inserts land in order.
        facts.Sort((a, b) => Compare(a.InvoiceNumber, a.Version, b.InvoiceNumber, b.Version));
        invoices.Sort((a, b) => string.CompareOrdinal(a.InvoiceNumber, b.InvoiceNumber));
        var rows = transactions.Values
            .OrderBy(t => t.InvoiceNumber, StringComparer.Ordinal)
            .ThenBy(t => t.TransactionId, StringComparer.Ordinal)
            .ToList();
        return new AnalyticsChanges(facts, rows, invoices, applied, total - applied, gaps);
    }

    private static int Compare(string invoiceA, long versionA, string invoiceB, long versionB)
    {
        var byInvoice = string.CompareOrdinal(invoiceA, invoiceB);
        return byInvoice != 0 ? byInvoice : versionA.CompareTo(versionB);
    }

    /// <summary>
    /// The fact an event contributes, or null for events analytics ignores (verifier changes). Adjustments and voids
    /// carry the transaction's currency, country and date, so the transaction's state after an event is a function of
    /// that event alone: no lookup of earlier rows is needed.
    /// </summary>
    internal static FactRow? ToFact(StoredEvent e) => e.Data switch
    {
        TransactionRecorded r => new FactRow(e.StreamId, e.Version, e.EventId, e.EventType, r.TransactionId,
            r.Amount, r.Amount, 1, r.Currency, r.Country, r.InvoiceDate, e.RecordedAt),
        TransactionAdjusted a => new FactRow(e.StreamId, e.Version, e.EventId, e.EventType, a.TransactionId,
            a.NewAmount, a.NewAmount - a.PreviousAmount, 0, a.Currency, a.Country, a.InvoiceDate, e.RecordedAt),
        TransactionVoided x => new FactRow(e.StreamId, e.Version, e.EventId, e.EventType, x.TransactionId,
            x.Amount, -x.Amount, -1, x.Currency, x.Country, x.InvoiceDate, e.RecordedAt),
        _ => null,
    };
}
