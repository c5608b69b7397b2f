using EventLedger.Domain.Invoices;
using EventLedger.Projections.Contracts;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EventLedger.Projections.Search;

/// <summary>
/// The <c>invoice-search</c> read model (Marten documents in PostgreSQL, one schema per version), declared like
/// analytics: the host, the rebuild engine and <c>GET /projections</c> take it from the server's declared list.
/// </summary>
public sealed class InvoiceSearchReadModel : IPostgresReadModel
{
    public string Name => InvoiceSearchProjection.ProjectionName;

    public int SchemaVersion => InvoiceSearchProjection.CurrentSchemaVersion;

    // A document carries the transaction and the invoice's verifiers, so every event can change one.
    public bool Handles(IInvoiceEvent e) => true;

    public async Task<PostgresReadModelVersion> OpenAsync(
        NpgsqlDataSource dataSource, string tablePrefix, int version, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        // A store per opened version: opened once when the host starts the version (and once to seed a rebuild's
        // checkpoint); the API reads through its own InvoiceSearchStores.
        var store = new InvoiceSearchStore(dataSource, InvoiceSearchSchemaName.For(tablePrefix, version));
        await store.MigrateAsync(cancellationToken);
        return new PostgresReadModelVersion(
            new InvoiceSearchProjection(store, loggerFactory.CreateLogger<InvoiceSearchProjection>()), new InvoiceSearchCheckpoints(store));
    }

    public async Task DropAsync(NpgsqlDataSource dataSource, string tablePrefix, int version, CancellationToken cancellationToken)
    {
        await using var store = new InvoiceSearchStore(dataSource, InvoiceSearchSchemaName.For(tablePrefix, version));
        await store.DropSchemaAsync(cancellationToken);
    }
}
