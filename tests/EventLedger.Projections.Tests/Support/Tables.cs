using EventLedger.EventStore.Events;
using EventLedger.Projections.CountryCounts;
using EventLedger.Projections.DynamoDb;
using EventLedger.Projections.InvoiceHistory;
using EventLedger.Projections.InvoiceTotals;
using EventLedger.Projections.InvoiceTransactions;

namespace EventLedger.Projections.Tests.Support;

/// <summary>In-memory read-model tables: the read models' write path (<c>ApplyBatch</c>) fed one batch after another.</summary>
public static class Tables
{
    public static readonly InvoiceTotalsProjection TotalsModel = new();
    public static readonly CountryCountsProjection CountriesModel = new();
    public static readonly InvoiceTransactionsProjection TransactionsModel = new();
    public static readonly InvoiceHistoryProjection HistoryModel = new();

    public static IReadOnlyDictionary<string, InvoiceTotalsRow> Totals(params IReadOnlyList<StoredEvent>[] batches) =>
        Fold(TotalsModel, batches).ToDictionary(kv => kv.Key.Partition, kv => kv.Value);

    public static IReadOnlyDictionary<(string Invoice, string Country), CountryCountsRow> Countries(params IReadOnlyList<StoredEvent>[] batches) =>
        Fold(CountriesModel, batches).ToDictionary(kv => (kv.Key.Partition, (string)kv.Key.Sort!), kv => kv.Value);

    public static IReadOnlyDictionary<(string Invoice, string TransactionId), InvoiceTransactionRow> Transactions(params IReadOnlyList<StoredEvent>[] batches) =>
        Fold(TransactionsModel, batches).ToDictionary(kv => (kv.Key.Partition, (string)kv.Key.Sort!), kv => kv.Value);

    public static IReadOnlyDictionary<(string Invoice, long Version), InvoiceHistoryRow> History(params IReadOnlyList<StoredEvent>[] batches) =>
        Fold(HistoryModel, batches).ToDictionary(kv => (kv.Key.Partition, (long)kv.Key.Sort!), kv => kv.Value);

    /// <summary>The definition, event by event through the guarded <c>Apply</c>: what every write path must agree with.</summary>
    public static IReadOnlyDictionary<string, InvoiceTotalsRow> TotalsOneByOne(IEnumerable<StoredEvent> events)
    {
        var table = new Dictionary<string, InvoiceTotalsRow>();
        foreach (var e in events)
        {
            table[e.StreamId] = TotalsModel.Apply(table.GetValueOrDefault(e.StreamId), e)!;
        }

        return table;
    }

    public static IReadOnlyDictionary<(string Invoice, string Country), CountryCountsRow> CountriesOneByOne(IEnumerable<StoredEvent> events)
    {
        var table = new Dictionary<(string, string), CountryCountsRow>();
        foreach (var e in events)
        {
            var key = (e.StreamId, (string)CountriesModel.KeyOf(e)!.Value.Sort!);
            table[key] = CountriesModel.Apply(table.GetValueOrDefault(key), e)!;
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

    private static IReadOnlyDictionary<RowKey, TRow> Fold<TRow>(DynamoDbReadModel<TRow> model, IReadOnlyList<StoredEvent>[] batches)
        where TRow : class =>
        batches.Aggregate((IReadOnlyDictionary<RowKey, TRow>)new Dictionary<RowKey, TRow>(), model.ApplyBatch);
}
