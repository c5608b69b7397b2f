using EventLedger.Domain.Invoices;
using EventLedger.EventStore.Events;
using EventLedger.Projections.Common;

namespace EventLedger.Projections.CountryCounts;

/// <summary>
/// The country-counts read model as pure functions, shaped like <see cref="InvoiceTotals.InvoiceTotalsFold"/>: a guarded
/// per-event <see cref="Apply(CountryCountsRow?, StoredEvent)"/>, per-row coalesced <see cref="Changes"/>, and
/// <see cref="Write"/> modelling the conditional ADD and its fallback.
/// </summary>
/// <remarks>
/// Every event names a country, and touches only that country's row. The row's verifier is the last observation of the
/// country's verifier: VerifierAssigned/Unassigned, and also TransactionRecorded, which carries the verifier assigned at
/// that moment. Adjustments change only the row's version.
/// </remarks>
public static class CountryCountsFold
{
    /// <summary>The country an event is about.</summary>
    public static string CountryOf(IInvoiceEvent e) => e switch
    {
        TransactionRecorded r => r.Country,
        TransactionAdjusted a => a.Country,
        TransactionVoided v => v.Country,
        VerifierAssigned a => a.Country,
        VerifierUnassigned u => u.Country,
        _ => throw new ArgumentOutOfRangeException(nameof(e), e.GetType().Name, "Unknown invoice event"),
    };

    /// <summary>Applies one event of the row's invoice and country. Events at or below the row's version change nothing.</summary>
    public static CountryCountsRow Apply(CountryCountsRow? row, StoredEvent e)
    {
        var country = CountryOf(e.Data);
        if (row is not null && (!string.Equals(row.InvoiceNumber, e.StreamId, StringComparison.Ordinal)
                                || !string.Equals(row.Country, country, StringComparison.Ordinal)))
        {
            throw new ArgumentException(
                $"Event of ({e.StreamId}, {country}) applied to the row of ({row.InvoiceNumber}, {row.Country}).", nameof(e));
        }

        if (row is not null && e.Version <= row.LastAppliedVersion)
        {
            return row;
        }

        var current = row ?? new CountryCountsRow(e.StreamId, country, null, 0, 0, 0);
        var delta = DeltaOf(e.Data);
        return current with
        {
            Verifier = delta.VerifierObserved ? delta.Verifier : current.Verifier,
            TransactionCount = current.TransactionCount + delta.Count,
            VerifiedTransactionCount = current.VerifiedTransactionCount + delta.Verified,
            LastAppliedVersion = e.Version,
        };
    }

    public static CountryCountsRow? Apply(CountryCountsRow? row, IEnumerable<StoredEvent> events) =>
        events.Aggregate(row, (r, e) => Apply(r, e));

    /// <summary>One change per (invoice, country) touched by the batch, with its events in version order.</summary>
    public static IReadOnlyList<CountryCountsChange> Changes(IReadOnlyList<StoredEvent> batch)
    {
        var changes = new List<CountryCountsChange>();
        foreach (var group in InvoiceEventGroups.Of(batch))
        {
            foreach (var byCountry in group.Events.GroupBy(e => CountryOf(e.Data), StringComparer.Ordinal))
            {
                var events = byCountry.ToList();
                long count = 0, verified = 0;
                var observed = false;
                string? verifier = null;
                foreach (var e in events)
                {
                    var delta = DeltaOf(e.Data);
                    count += delta.Count;
                    verified += delta.Verified;
                    if (delta.VerifierObserved)
                    {
                        (observed, verifier) = (true, delta.Verifier);
                    }
                }

                changes.Add(new CountryCountsChange(group.InvoiceNumber, byCountry.Key, count, verified, observed, verifier,
                    events[0].Version, events[^1].Version, events));
            }
        }

        return changes;
    }

    /// <summary>What the projection's write does to a row: the deltas if the row is absent or older than the change, else the fallback fold.</summary>
    public static CountryCountsRow Write(CountryCountsRow? row, CountryCountsChange change)
    {
        if (row is null || row.LastAppliedVersion < change.FirstVersion)
        {
            return new CountryCountsRow(
                change.InvoiceNumber,
                change.Country,
                change.VerifierObserved ? change.Verifier : row?.Verifier,
                (row?.TransactionCount ?? 0) + change.TransactionCountDelta,
                (row?.VerifiedTransactionCount ?? 0) + change.VerifiedTransactionCountDelta,
                change.LastVersion);
        }

        return Apply(row, change.Events)!;
    }

    /// <summary>The whole write path over an in-memory table: what <see cref="CountryCountsProjection"/> does to DynamoDB.</summary>
    public static IReadOnlyDictionary<(string Invoice, string Country), CountryCountsRow> ApplyBatch(
        IReadOnlyDictionary<(string Invoice, string Country), CountryCountsRow> table, IReadOnlyList<StoredEvent> batch)
    {
        var next = new Dictionary<(string, string), CountryCountsRow>(table);
        foreach (var change in Changes(batch))
        {
            var key = (change.InvoiceNumber, change.Country);
            next[key] = Write(next.GetValueOrDefault(key), change);
        }

        return next;
    }

    private readonly record struct Delta(long Count, long Verified, bool VerifierObserved, string? Verifier);

    private static Delta DeltaOf(IInvoiceEvent e) => e switch
    {
        TransactionRecorded r => new(1, r.Verifier is null ? 0 : 1, true, r.Verifier),
        TransactionVoided v => new(-1, v.VerifiedBy is null ? 0 : -1, false, null),
        VerifierAssigned a => new(0, 0, true, a.Verifier),
        VerifierUnassigned => new(0, 0, true, null),
        _ => new(0, 0, false, null),
    };
}

/// <summary>The coalesced effect of one batch on one (invoice, country) row.</summary>
/// <param name="VerifierObserved">True when an event of the batch tells the country's verifier; <see cref="Verifier"/> is then the last one told (null: none).</param>
/// <param name="FirstVersion">Lowest version of the batch's events for this row: the row must be older for a plain ADD.</param>
/// <param name="LastVersion">Highest version: the row's new LastAppliedVersion.</param>
/// <param name="Events">The row's events of the batch, for the fallback fold.</param>
public sealed record CountryCountsChange(
    string InvoiceNumber,
    string Country,
    long TransactionCountDelta,
    long VerifiedTransactionCountDelta,
    bool VerifierObserved,
    string? Verifier,
    long FirstVersion,
    long LastVersion,
    IReadOnlyList<StoredEvent> Events);
