using EventLedger.EventStore.Events;
using EventLedger.Projections.CountryCounts;
using EventLedger.Projections.InvoiceHistory;
using EventLedger.Projections.InvoiceTotals;
using EventLedger.Projections.InvoiceTransactions;

namespace EventLedger.Projections.Tests.Support;

/// <summary>In-memory read-model tables: the projections' write paths (<c>ApplyBatch</c>) fed one batch after another.</summary>
public static class Tables
{
    public static IReadOnlyDictionary<string, InvoiceTotalsRow> Totals(params IReadOnlyList<StoredEvent>[] batches) =>
        batches.Aggregate((IReadOnlyDictionary<string, InvoiceTotalsRow>)new Dictionary<string, InvoiceTotalsRow>(), InvoiceTotalsFold.ApplyBatch);

    public static IReadOnlyDictionary<(string Invoice, string Country), CountryCountsRow> Countries(params IReadOnlyList<StoredEvent>[] batches) =>
        batches.Aggregate((IReadOnlyDictionary<(string, string), CountryCountsRow>)new Dictionary<(string, string), CountryCountsRow>(), CountryCountsFold.ApplyBatch);

    public static IReadOnlyDictionary<(string Invoice, string TransactionId), InvoiceTransactionRow> Transactions(params IReadOnlyList<StoredEvent>[] batches) =>
        batches.Aggregate((IReadOnlyDictionary<(string, string), InvoiceTransactionRow>)new Dictionary<(string, string), InvoiceTransactionRow>(), InvoiceTransactionsFold.ApplyBatch);

    public static IReadOnlyDictionary<(string Invoice, long Version), InvoiceHistoryRow> History(params IReadOnlyList<StoredEvent>[] batches) =>
        batches.Aggregate((IReadOnlyDictionary<(string, long), InvoiceHistoryRow>)new Dictionary<(string, long), InvoiceHistoryRow>(), InvoiceHistoryFold.ApplyBatch);

    /// <summary>The definition, event by event through the guarded <c>Apply</c>: what every write path must agree with.</summary>
    public static IReadOnlyDictionary<string, InvoiceTotalsRow> TotalsOneByOne(IEnumerable<StoredEvent> events)
    {
        var table = new Dictionary<string, InvoiceTotalsRow>();
        foreach (var e in events)
        {
            table[e.StreamId] = InvoiceTotalsFold.Apply(table.GetValueOrDefault(e.StreamId), e);
        }

        return table;
    }

    public static IReadOnlyDictionary<(string Invoice, string Country), CountryCountsRow> CountriesOneByOne(IEnumerable<StoredEvent> events)
    {
        var table = new Dictionary<(string, string), CountryCountsRow>();
        foreach (var e in events)
        {
            var key = (e.StreamId, CountryCountsFold.CountryOf(e.Data));
            table[key] = CountryCountsFold.Apply(table.GetValueOrDefault(key), e);
        }

        return table;
    }

    public static bool Same<TKey, TRow>(IReadOnlyDictionary<TKey, TRow> a, IReadOnlyDictionary<TKey, TRow> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out var other) && Equals(kv.Value, other));

    /// <summary>Asserts equal tables, naming the first differing key.</summary>
    public static void AssertSame<TKey, TRow>(IReadOnlyDictionary<TKey, TRow> expected, IReadOnlyDictionary<TKey, TRow> actual)
    {
        Assert.Equal(expected.Count, actual.Count);
        foreach (var (key, row) in expected)
        {
            Assert.True(actual.TryGetValue(key, out var other), $"missing row {key}");
            Assert.Equal(row, other);
        }
    }
}
