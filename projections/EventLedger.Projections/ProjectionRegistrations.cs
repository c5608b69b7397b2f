using Amazon.DynamoDBv2;
using EventLedger.Projections.Common;
using EventLedger.Projections.Contracts;
using EventLedger.Projections.CountryCounts;
using EventLedger.Projections.DynamoDb;
using EventLedger.Projections.InvoiceHistory;
using EventLedger.Projections.InvoiceTotals;
using EventLedger.Projections.InvoiceTransactions;

namespace EventLedger.Projections;

/// <summary>How to build one DynamoDB read model: its name, the schema version its code writes, its table and its projection.</summary>
public sealed record DynamoDbReadModelRegistration(
    string Name,
    int SchemaVersion,
    Func<string, ReadModelTableDefinition> Table,
    Func<IAmazonDynamoDB, string, ProjectionWriteOptions?, IProjection> Create);

/// <summary>
/// Every projection, by name: the one place the host, the rebuild and the API learn which read models exist.
/// A read model's table is <c>{prefix}{name}-v{version}</c> (<see cref="ReadModelTable"/>); which version is live is the
/// caller's (checkpoint/rebuild state), so everything here takes the version per name.
/// </summary>
public static class ProjectionRegistrations
{
    /// <summary>The DynamoDB read models (brief §6), in the order the host applies them.</summary>
    public static IReadOnlyList<DynamoDbReadModelRegistration> DynamoDb { get; } =
    [
        new(InvoiceTotalsProjection.ProjectionName, InvoiceTotalsProjection.CurrentSchemaVersion, InvoiceTotalsTable.Definition,
            (db, table, options) => new InvoiceTotalsProjection(db, table, options)),
        new(CountryCountsProjection.ProjectionName, CountryCountsProjection.CurrentSchemaVersion, CountryCountsTable.Definition,
            (db, table, options) => new CountryCountsProjection(db, table, options)),
        new(InvoiceTransactionsProjection.ProjectionName, InvoiceTransactionsProjection.CurrentSchemaVersion, InvoiceTransactionsTable.Definition,
            (db, table, options) => new InvoiceTransactionsProjection(db, table, options)),
        new(InvoiceHistoryProjection.ProjectionName, InvoiceHistoryProjection.CurrentSchemaVersion, InvoiceHistoryTable.Definition,
            (db, table, options) => new InvoiceHistoryProjection(db, table, options)),
    ];

    // Analytics (PostgreSQL, brief §6) is registered here too, by the Analytics/ work: its name ("analytics"), its schema
    // version, and a factory taking an NpgsqlDataSource and the schema/table version instead of IAmazonDynamoDB, e.g.
    //   public static IReadOnlyList<PostgresReadModelRegistration> Postgres { get; } = [ new(AnalyticsProjection.ProjectionName, ...) ];
    // and added to AllNames below.

    /// <summary>Every read model's name (what checkpoints, rebuilds and <c>GET /projections</c> use).</summary>
    public static IReadOnlyList<string> AllNames { get; } = [.. DynamoDb.Select(r => r.Name)];

    public static DynamoDbReadModelRegistration DynamoDbReadModel(string name) =>
        DynamoDb.FirstOrDefault(r => string.Equals(r.Name, name, StringComparison.Ordinal))
        ?? throw new ArgumentException($"No DynamoDB read model is named '{name}'. Known: {string.Join(", ", DynamoDb.Select(r => r.Name))}.", nameof(name));

    /// <summary>
    /// Builds the projection of one read model for one table version and creates its table if needed. A rebuild calls
    /// this with the next version to build it beside the live one.
    /// </summary>
    public static async Task<IProjection> CreateDynamoDbProjectionAsync(
        IAmazonDynamoDB dynamoDb, ReadModelTable table, ProjectionWriteOptions? options = null, CancellationToken cancellationToken = default)
    {
        var registration = DynamoDbReadModel(table.Name);
        await registration.Table(table.TableName).CreateIfNotExistsAsync(dynamoDb, cancellationToken);
        return registration.Create(dynamoDb, table.TableName, options);
    }

    /// <summary>
    /// Builds the four DynamoDB projections and creates their tables (in parallel, idempotently).
    /// <paramref name="readModelVersions"/> gives the live version per name; a name it does not list gets version 1.
    /// </summary>
    public static async Task<IReadOnlyList<IProjection>> CreateDynamoDbProjectionsAsync(
        IAmazonDynamoDB dynamoDb,
        string tablePrefix,
        IReadOnlyDictionary<string, int>? readModelVersions = null,
        ProjectionWriteOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var unknown = readModelVersions?.Keys.Where(name => !AllNames.Contains(name, StringComparer.Ordinal)).ToList() ?? [];
        if (unknown.Count > 0)
        {
            throw new ArgumentException($"Unknown read model(s): {string.Join(", ", unknown)}.", nameof(readModelVersions));
        }

        var tables = DynamoDb.Select(r => TableOf(tablePrefix, r.Name, readModelVersions));
        return await Task.WhenAll(tables.Select(t => CreateDynamoDbProjectionAsync(dynamoDb, t, options, cancellationToken)));
    }

    /// <summary>The table of a read model's live version.</summary>
    public static ReadModelTable TableOf(string tablePrefix, string name, IReadOnlyDictionary<string, int>? readModelVersions = null) =>
        new(tablePrefix, name, readModelVersions?.GetValueOrDefault(name, 1) ?? 1);
}
