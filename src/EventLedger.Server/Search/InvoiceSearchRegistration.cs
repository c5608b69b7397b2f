using EventLedger.ProjectionHost.Hosting;
using EventLedger.Projections.Contracts;
using EventLedger.Projections.Search;
using EventLedger.Streams.Checkpoints;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EventLedger.Server.Search;

/// <summary>Registers the <c>invoice-search</c> read model: its stores for the API, and its hosted read model for the host.</summary>
public static class InvoiceSearchRegistration
{
    /// <summary>
    /// Adds the search read model when PostgreSQL is configured (on the data source analytics shares, if registered):
    /// the per-version stores, and a <see cref="HostedReadModel"/> whose projection commits its checkpoint with its
    /// documents (like analytics), so the subscription reads checkpoints from the version's schema and never writes them.
    /// </summary>
    public static IServiceCollection AddInvoiceSearch(this IServiceCollection services, string? postgresConnectionString, string tablePrefix)
    {
        if (postgresConnectionString is null)
        {
            return services;
        }

        services.TryAddSingleton(_ => NpgsqlDataSource.Create(postgresConnectionString));
        services.AddSingleton(sp => new InvoiceSearchStores(sp.GetRequiredService<NpgsqlDataSource>(), tablePrefix));
        services.AddSingleton(sp => new HostedReadModel(InvoiceSearchProjection.ProjectionName, InvoiceSearchProjection.CurrentSchemaVersion,
            async (version, ct) =>
            {
                var store = sp.GetRequiredService<InvoiceSearchStores>().For(version);
                await store.MigrateAsync(ct);
                var checkpoints = new InvoiceSearchCheckpoints(store);
                var checkpointStore = new ProcessorCommittedCheckpointStore(
                    async (subscription, shard, c) => (await checkpoints.GetAsync(subscription, shard, c))?.SequenceNumber,
                    (subscription, shard, c) => checkpoints.SaveAsync(new StreamPosition(subscription, shard, Checkpoint.ShardEnd), c));
                return new HostedProjection(
                    new InvoiceSearchProjection(store, sp.GetRequiredService<ILoggerFactory>().CreateLogger<InvoiceSearchProjection>()),
                    checkpointStore);
            },
            (version, ct) => sp.GetRequiredService<InvoiceSearchStores>().For(version).DropSchemaAsync(ct),
            async (version, subscription, shard, sequenceNumber, ct) =>
            {
                var store = sp.GetRequiredService<InvoiceSearchStores>().For(version);
                await store.MigrateAsync(ct);
                await new InvoiceSearchCheckpoints(store).SaveAsync(new StreamPosition(subscription, shard, sequenceNumber), ct);
            }));
        return services;
    }
}
