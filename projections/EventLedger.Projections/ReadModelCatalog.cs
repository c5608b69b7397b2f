using EventLedger.Projections.Analytics;
using EventLedger.Projections.Contracts;
using EventLedger.Projections.CountryCounts;
using EventLedger.Projections.DynamoDb;
using EventLedger.Projections.InvoiceHistory;
using EventLedger.Projections.InvoiceTotals;
using EventLedger.Projections.InvoiceTransactions;

namespace EventLedger.Projections;

/// <summary>
/// Every read model, listed once. The projection host, the rebuild engine, <c>GET /projections</c>, the benchmark and
/// the tests take the list from here; adding a read model is one folder and one line below (README: "Adding a read model").
/// </summary>
public static class ReadModelCatalog
{
    public static IReadOnlyList<IReadModel> All { get; } =
    [
        new InvoiceTotalsProjection(),
        new CountryCountsProjection(),
        new InvoiceTransactionsProjection(),
        new InvoiceHistoryProjection(),
        new AnalyticsReadModel(),
    ];

    /// <summary>The read models kept in DynamoDB.</summary>
    public static IReadOnlyList<IDynamoDbReadModel> DynamoDb { get; } = [.. All.OfType<IDynamoDbReadModel>()];

    /// <summary>The read model with this name.</summary>
    /// <exception cref="ArgumentException">No read model has that name.</exception>
    public static IReadModel Named(string name) =>
        All.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.Ordinal))
        ?? throw new ArgumentException($"No read model is named '{name}'. Known: {string.Join(", ", All.Select(r => r.Name))}.", nameof(name));
}
