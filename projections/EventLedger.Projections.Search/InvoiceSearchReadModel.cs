using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
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
    // One document store per (data source, prefix, version), reused by every open and drop, and released with the data
    // source (a Marten document store compiles its mapping; opening one per call leaked them in hosts that restart).
    private readonly ConditionalWeakTable<NpgsqlDataSource, ConcurrentDictionary<string, InvoiceSearchStores>> _stores = new();

    public string Name => InvoiceSearchProjection.ProjectionName;

    public int SchemaVersion => InvoiceSearchProjection.CurrentSchemaVersion;

    // A document carries the transaction and the invoice's verifiers, so every event can change one.
    public bool Handles(IInvoiceEvent e) => true;

    public async Task<PostgresReadModelVersion> OpenAsync(
        NpgsqlDataSource dataSource, string tablePrefix, int version, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var store = StoresFor(dataSource, tablePrefix).For(version);
        await store.MigrateAsync(cancellationToken);
        var committed = new CommittedCheckpoints();
        return new PostgresReadModelVersion(
            new InvoiceSearchProjection(store, loggerFactory.CreateLogger<InvoiceSearchProjection>(), committed), new InvoiceSearchCheckpoints(store, committed));
    }

    public Task DropAsync(NpgsqlDataSource dataSource, string tablePrefix, int version, CancellationToken cancellationToken) =>
        StoresFor(dataSource, tablePrefix).For(version).DropSchemaAsync(cancellationToken);

    /// <summary>
    /// The per-version stores of this read model on <paramref name="dataSource"/> for <paramref name="tablePrefix"/>: the
    /// projection host and the API's <c>GET /search</c> take theirs from here, so a process builds one Marten document
    /// store per version, not one per user of it.
    /// </summary>
    public InvoiceSearchStores StoresFor(NpgsqlDataSource dataSource, string tablePrefix) =>
        _stores.GetValue(dataSource, static _ => new ConcurrentDictionary<string, InvoiceSearchStores>(StringComparer.Ordinal))
            .GetOrAdd(tablePrefix, prefix => new InvoiceSearchStores(dataSource, prefix));
}
