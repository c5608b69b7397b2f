using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.EventStore.Events;
using EventLedger.Projections.Common;
using EventLedger.Projections.Contracts;
using EventLedger.Projections.CountryCounts;
using EventLedger.Projections.InvoiceHistory;
using EventLedger.Projections.InvoiceTotals;
using EventLedger.Projections.InvoiceTransactions;

namespace EventLedger.IntegrationTests.Projections;

/// <summary>The four DynamoDB read models of one table prefix, built through <see cref="EventLedger.Projections.ProjectionRegistrations"/>.</summary>
public sealed class ReadModelStore
{
    private ReadModelStore(IAmazonDynamoDB dynamoDb, string prefix, IReadOnlyList<IProjection> projections)
    {
        DynamoDb = dynamoDb;
        Prefix = prefix;
        Projections = projections;
        Totals = new InvoiceTotalsQueries(dynamoDb, TableName(InvoiceTotalsProjection.ProjectionName));
        Countries = new CountryCountsQueries(dynamoDb, TableName(CountryCountsProjection.ProjectionName));
        Transactions = new InvoiceTransactionsQueries(dynamoDb, TableName(InvoiceTransactionsProjection.ProjectionName));
        History = new InvoiceHistoryQueries(dynamoDb, TableName(InvoiceHistoryProjection.ProjectionName));
    }

    public IAmazonDynamoDB DynamoDb { get; }
    public string Prefix { get; }
    public IReadOnlyList<IProjection> Projections { get; }
    public InvoiceTotalsQueries Totals { get; }
    public CountryCountsQueries Countries { get; }
    public InvoiceTransactionsQueries Transactions { get; }
    public InvoiceHistoryQueries History { get; }

    public static async Task<ReadModelStore> CreateAsync(IAmazonDynamoDB dynamoDb, string prefix, ProjectionWriteOptions? options = null) =>
        new(dynamoDb, prefix, await EventLedger.Projections.ProjectionRegistrations.CreateDynamoDbProjectionsAsync(dynamoDb, prefix, options: options));

    public string TableName(string readModel) => new ReadModelTable(Prefix, readModel, 1).TableName;

    /// <summary>Applies one batch to every read model, as the host does.</summary>
    public async Task ApplyAsync(IReadOnlyList<StoredEvent> events)
    {
        foreach (var projection in Projections)
        {
            await projection.ApplyAsync(new ProjectionBatch(events, Position: null), CancellationToken.None);
        }
    }

    /// <summary>Every item of every table, canonically rendered and sorted: equal snapshots mean identical tables.</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> SnapshotAsync()
    {
        var snapshot = new Dictionary<string, IReadOnlyList<string>>();
        foreach (var projection in Projections)
        {
            var items = new List<string>();
            var request = new ScanRequest { TableName = TableName(projection.Name), ConsistentRead = true };
            do
            {
                var page = await DynamoDb.ScanAsync(request);
                items.AddRange((page.Items ?? []).Select(ItemText.Render));
                request.ExclusiveStartKey = page.LastEvaluatedKey is { Count: > 0 } next ? next : null;
            }
            while (request.ExclusiveStartKey is not null);

            items.Sort(StringComparer.Ordinal);
            snapshot[projection.Name] = items;
        }

        return snapshot;
    }

    public async Task DeleteTablesAsync()
    {
        foreach (var registration in EventLedger.Projections.ProjectionRegistrations.DynamoDb)
        {
            await registration.Table(TableName(registration.Name)).DeleteIfExistsAsync(DynamoDb, CancellationToken.None);
        }
    }
}
