using EventLedger.Domain.Invoices;
using EventLedger.Projections.Contracts;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EventLedger.Projections.Analytics;

/// <summary>
/// The analytics read model (PostgreSQL): facts and current transactions for the daily run rate and
/// <c>max/sum/count</c> by day, country and currency. Each version is its own schema; see README.md beside this file.
/// </summary>
public sealed class AnalyticsReadModel : IPostgresReadModel
{
    public string Name => AnalyticsProjection.ProjectionName;

    public int SchemaVersion => AnalyticsProjection.CurrentSchemaVersion;

    // Every event advances the invoice's applied version in analytics (its invoices table), verifier changes included.
    public bool Handles(IInvoiceEvent e) => true;

    public async Task<PostgresReadModelVersion> OpenAsync(
        NpgsqlDataSource dataSource, string tablePrefix, int version, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var store = new AnalyticsStores(dataSource, tablePrefix).For(version);
        await store.MigrateAsync(cancellationToken);
        return new PostgresReadModelVersion(
            new AnalyticsProjection(store, loggerFactory.CreateLogger<AnalyticsProjection>()), new AnalyticsCheckpoints(store));
    }

    public Task DropAsync(NpgsqlDataSource dataSource, string tablePrefix, int version, CancellationToken cancellationToken) =>
        new AnalyticsStores(dataSource, tablePrefix).For(version).DropSchemaAsync(cancellationToken);
}
