using Amazon.DynamoDBv2;
using EventLedger.Api.Search;
using EventLedger.ProjectionHost.Hosting;
using EventLedger.Projections;
using EventLedger.Projections.Common;
using EventLedger.Projections.Analytics;
using EventLedger.Projections.Contracts;
using EventLedger.Streams.Checkpoints;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EventLedger.Cli.Hosting;

/// <summary>The read models this deployment hosts, each able to build its projection for a given version.</summary>
public static class ReadModelComposition
{
    public static IServiceCollection AddHostedReadModels(this IServiceCollection services, EventLedgerSettings settings)
    {
        foreach (var registration in ProjectionRegistrations.DynamoDb)
        {
            services.AddSingleton(sp => new HostedReadModel(registration.Name, registration.SchemaVersion, async (version, ct) =>
            {
                var projection = await ProjectionRegistrations.CreateDynamoDbProjectionAsync(
                    sp.GetRequiredService<IAmazonDynamoDB>(), new ReadModelTable(settings.TablePrefix, registration.Name, version), null, ct);
                return new HostedProjection(projection);
            }, (version, ct) => registration.Table(new ReadModelTable(settings.TablePrefix, registration.Name, version).TableName)
                .DeleteIfExistsAsync(sp.GetRequiredService<IAmazonDynamoDB>(), ct)));
        }

        if (settings.PostgresConnectionString is { } postgres)
        {
            services.AddSingleton(_ => NpgsqlDataSource.Create(postgres));
            services.AddSingleton(sp => new AnalyticsStores(sp.GetRequiredService<NpgsqlDataSource>(), settings.TablePrefix));
            services.AddSingleton(sp => new HostedReadModel(AnalyticsProjection.ProjectionName, AnalyticsProjection.CurrentSchemaVersion, async (version, ct) =>
            {
                var store = sp.GetRequiredService<AnalyticsStores>().For(version);
                await store.MigrateAsync(ct);
                var checkpoints = new AnalyticsCheckpoints(store);

                // The projection commits each batch's checkpoint in the same transaction as its rows (exactly once), so the
                // subscription reads checkpoints from PostgreSQL and never writes them itself.
                var checkpointStore = new ProcessorCommittedCheckpointStore(
                    async (subscription, shard, c) => (await checkpoints.GetAsync(subscription, shard, c))?.SequenceNumber,
                    (subscription, shard, c) => checkpoints.SaveAsync(new StreamPosition(subscription, shard, Checkpoint.ShardEnd), c));
                return new HostedProjection(
                    new AnalyticsProjection(store, sp.GetRequiredService<ILoggerFactory>().CreateLogger<AnalyticsProjection>()),
                    checkpointStore);
            },
            (version, ct) => sp.GetRequiredService<AnalyticsStores>().For(version).DropSchemaAsync(ct),
            async (version, subscription, shard, sequenceNumber, ct) =>
            {
                var store = sp.GetRequiredService<AnalyticsStores>().For(version);
                await store.MigrateAsync(ct);
                await new AnalyticsCheckpoints(store).SaveAsync(new StreamPosition(subscription, shard, sequenceNumber), ct);
            }));
        }

        services.AddInvoiceSearch(settings.PostgresConnectionString, settings.TablePrefix);
        return services;
    }
}
