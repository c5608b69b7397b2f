using Amazon.DynamoDBv2;
using EventLedger.ProjectionHost.Hosting;
using EventLedger.Streams.Checkpoints;
using EventLedger.Streams.Leases;

namespace EventLedger.ProjectionHost.Rebuilds.Phases;

/// <summary>The stream subscription of one read-model version as the rebuild sees it: its leases (one per shard) and its checkpoints.</summary>
internal sealed class VersionSubscriptions(IAmazonDynamoDB dynamoDb, ProjectionHostOptions hostOptions)
{
    private readonly DynamoDbLeaseStore _leases = new(dynamoDb, hostOptions.LeaseTable);

    public DynamoDbLeaseStore Leases => _leases;

    public static string NameOf(HostedReadModel readModel, int version) => ProjectionHostService.SubscriptionName(readModel.Name, version);

    /// <summary>Where the version keeps its checkpoints: its own store (PostgreSQL), or the lease table.</summary>
    public async Task<ICheckpointStore> CheckpointsOfAsync(HostedReadModel readModel, int version, CancellationToken ct)
    {
        return CheckpointsOf(await readModel.CreateAsync(version, ct));
    }

    public ICheckpointStore CheckpointsOf(HostedProjection version) =>
        version.Checkpoints ?? new DynamoDbCheckpointStore(dynamoDb, hostOptions.LeaseTable);

    /// <summary>Every shard of the version's subscription that has a checkpoint, with that checkpoint.</summary>
    public async Task<IReadOnlyList<(Lease Lease, string Checkpoint)>> CheckpointedShardsAsync(HostedReadModel readModel, int version, CancellationToken ct)
    {
        var subscription = NameOf(readModel, version);
        var checkpoints = await CheckpointsOfAsync(readModel, version, ct);
        var result = new List<(Lease, string)>();
        foreach (var lease in await _leases.ListAsync(subscription, ct))
        {
            if (await checkpoints.GetAsync(subscription, lease.ShardId, ct) is { } checkpoint) result.Add((lease, checkpoint));
        }

        return result;
    }

    public async Task DeleteLeasesAsync(HostedReadModel readModel, int version, CancellationToken ct)
    {
        var subscription = NameOf(readModel, version);
        foreach (var lease in await _leases.ListAsync(subscription, ct))
        {
            await _leases.DeleteAsync(subscription, lease.ShardId, ct);
        }
    }
}
