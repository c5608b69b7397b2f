using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.EventStore.Events;
using EventLedger.Projections;
using EventLedger.Projections.Common;
using EventLedger.Projections.Contracts;
using EventLedger.Projections.CountryCounts;
using EventLedger.Projections.DynamoDb;
using EventLedger.Projections.InvoiceHistory;
using EventLedger.Projections.InvoiceTotals;
using EventLedger.Projections.InvoiceTransactions;

namespace EventLedger.IntegrationTests.Projections;

/// <summary>The DynamoDB read models of one table prefix, as <see cref="EventLedger.Projections.ReadModelCatalog"/> declares them.</summary>
public sealed class ReadModelStore
{
    private ReadModelStore(IAmazonDynamoDB dynamoDb, string prefix, IReadOnlyList<IProjection> projections)
    {
        DynamoDb = dynamoDb;
        Prefix = prefix;
        Projections = projections;
        Totals = new(dynamoDb, TableName(InvoiceTotalsProjection.ProjectionName));
        Countries = new(dynamoDb, TableName(CountryCountsProjection.ProjectionName));
        Transactions = new(dynamoDb, TableName(InvoiceTransactionsProjection.ProjectionName));
        History = new(dynamoDb, TableName(InvoiceHistoryProjection.ProjectionName));
    }

    public IAmazonDynamoDB DynamoDb { get; }
    public string Prefix { get; }
    public IReadOnlyList<IProjection> Projections { get; }
    public DynamoDbRows<InvoiceTotalsRow> Totals { get; }
    public DynamoDbRows<CountryCountsRow> Countries { get; }
    public DynamoDbRows<InvoiceTransactionRow> Transactions { get; }
    public DynamoDbRows<InvoiceHistoryRow> History { get; }

    public static async Task<ReadModelStore> CreateAsync(IAmazonDynamoDB dynamoDb, string prefix, ProjectionWriteOptions? options = null)
    {
        var projections = await Task.WhenAll(ReadModelCatalog.DynamoDb.Select(async readModel =>
        {
            var table = new ReadModelTable(prefix, readModel.Name, 1).TableName;
            await readModel.Table(table).CreateIfNotExistsAsync(dynamoDb, CancellationToken.None);
            return readModel.CreateProjection(dynamoDb, table, options);
        }));
        return new(dynamoDb, prefix, projections);
    }

    /// <summary>The invoice's transactions (ids starting with <paramref name="prefix"/>), voided ones only when asked.</summary>
    public async Task<IReadOnlyList<InvoiceTransactionRow>> TransactionsAsync(string invoiceNumber, string? prefix = null, bool includeVoided = false) =>
        [.. (await Transactions.ListAsync(invoiceNumber, prefix)).Where(r => includeVoided || r.Status == TransactionStatus.Live)];

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
        foreach (var readModel in ReadModelCatalog.DynamoDb)
        {
            await readModel.Table(TableName(readModel.Name)).DeleteIfExistsAsync(DynamoDb, CancellationToken.None);
        }
    }
}
