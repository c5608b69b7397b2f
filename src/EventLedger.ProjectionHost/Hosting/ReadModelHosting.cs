using Amazon.DynamoDBv2;
using EventLedger.Projections.Common;
using EventLedger.Projections.Contracts;
using EventLedger.Projections.DynamoDb;
using EventLedger.Streams.Checkpoints;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EventLedger.ProjectionHost.Hosting;

/// <summary>Where the read models' stores are: DynamoDB for row read models, PostgreSQL (when configured) for the others.</summary>
public sealed record ReadModelStores(IAmazonDynamoDB DynamoDb, NpgsqlDataSource? Postgres, string TablePrefix, ILoggerFactory LoggerFactory,
    HotTierRetention? Retention = null);

/// <summary>
/// Turns a declared read model (<see cref="IReadModel"/>) into what the host and the rebuild engine run
/// (<see cref="HostedReadModel"/>): per store, how a version's table or schema is created, fed, checkpointed and dropped.
/// </summary>
public static class ReadModelHosting
{
    /// <summary>The hosted form of a read model, or null when its store is not configured (PostgreSQL without a connection string).</summary>
    /// <exception cref="NotSupportedException">The read model derives from no store base this host knows.</exception>
    public static HostedReadModel? Host(IReadModel readModel, ReadModelStores stores) => readModel switch
    {
        IDynamoDbReadModel dynamo => HostDynamoDb(dynamo, stores),
        IPostgresReadModel postgres => stores.Postgres is { } dataSource ? HostPostgres(postgres, dataSource, stores) : null,
        IBufferedConsumer buffered => HostBuffered(buffered),
        _ => throw new NotSupportedException(
            $"Read model '{readModel.Name}' ({readModel.GetType().Name}) derives from no store base: use DynamoDbReadModel<TRow>, IPostgresReadModel or IBufferedConsumer."),
    };

    private static HostedReadModel HostDynamoDb(IDynamoDbReadModel readModel, ReadModelStores stores) => new(
        readModel.Name,
        readModel.SchemaVersion,
        async (version, ct) =>
        {
            var table = new ReadModelTable(stores.TablePrefix, readModel.Name, version).TableName;
            await readModel.Table(table).CreateIfNotExistsAsync(stores.DynamoDb, ct);
            var timeToLive = stores.Retention?.For(readModel.Name);
            if (timeToLive is not null)
            {
                await timeToLive.EnableAsync(stores.DynamoDb, table, ct);
            }

            return new HostedProjection(
                readModel.CreateProjection(stores.DynamoDb, table, timeToLive is null ? null : new ProjectionWriteOptions { TimeToLive = timeToLive }),
                GroupMember: readModel.GroupMember(table, timeToLive));
        },
        (version, ct) => readModel.Table(new ReadModelTable(stores.TablePrefix, readModel.Name, version).TableName).DeleteIfExistsAsync(stores.DynamoDb, ct));

    private static HostedReadModel HostPostgres(IPostgresReadModel readModel, NpgsqlDataSource dataSource, ReadModelStores stores) => new(
        readModel.Name,
        readModel.SchemaVersion,
        async (version, ct) =>
        {
            var open = await readModel.OpenAsync(dataSource, stores.TablePrefix, version, stores.LoggerFactory, ct);

            // The projection commits each batch's checkpoint in the same transaction as its rows (exactly once), so the
            // subscription reads checkpoints from PostgreSQL and never writes them itself.
            return new HostedProjection(open.Projection, new ProcessorCommittedCheckpointStore(
                async (subscription, shard, c) => (await open.Checkpoints.GetAsync(subscription, shard, c))?.SequenceNumber,
                (subscription, shard, c) => open.Checkpoints.SaveAsync(new StreamPosition(subscription, shard, Checkpoint.ShardEnd), c)));
        },
        (version, ct) => readModel.DropAsync(dataSource, stores.TablePrefix, version, ct),
        async (version, subscription, shard, sequenceNumber, ct) =>
        {
            var open = await readModel.OpenAsync(dataSource, stores.TablePrefix, version, stores.LoggerFactory, ct);
            await open.Checkpoints.SaveAsync(new StreamPosition(subscription, shard, sequenceNumber), ct);
        });

    // The consumer moves its positions itself once what it buffered is stored; the subscription only reads them, and asks it
    // to store what it holds when a closed shard ends. No drop and no seed: a buffered consumer is not rebuilt.
    private static HostedReadModel HostBuffered(IBufferedConsumer consumer) => new(
        consumer.Name,
        consumer.SchemaVersion,
        async (version, ct) =>
        {
            var open = await consumer.OpenAsync(version, ct);
            return new HostedProjection(open.Projection, new ProcessorCommittedCheckpointStore(open.Positions.GetAsync, open.Positions.EndShardAsync));
        });
}
