using EventLedger.ProjectionHost.Hosting;
using EventLedger.Projections.Contracts;
using EventLedger.Streams.Leases;
using Microsoft.Extensions.Logging;

namespace EventLedger.ProjectionHost.Rebuilds.Phases;

/// <summary>
/// Phase 1: creates the new version's store beside the live one and, before any scan, copies the live version's
/// checkpoint per shard to the new version's subscription, so its catch-up later replays everything appended since. A
/// rebuild from a replay source is seeded with the source's positions instead: the catch-up reads the stream after what
/// the source replays.
/// </summary>
internal sealed partial class CreateAndSeedPhase(ReadModelVersionRegistry registry, VersionSubscriptions subscriptions, ILogger logger)
{
    /// <returns>The new version's projection.</returns>
    public async Task<IProjection> RunAsync(RebuildTarget target, ReadModelVersionRecord record, CancellationToken ct)
    {
        var created = await target.ReadModel.CreateAsync(target.Version, ct);
        if (!record.Seeded)
        {
            await SeedAsync(target, created, ct);
            await registry.MarkSeededAsync(target.Name, target.Version, ct);
        }

        return created.Projection;
    }

    private async Task SeedAsync(RebuildTarget target, HostedProjection created, CancellationToken ct)
    {
        var subscription = VersionSubscriptions.NameOf(target.ReadModel, target.Version);
        // Leases left by an earlier attempt at this version would carry checkpoints from after the scan began.
        await subscriptions.DeleteLeasesAsync(target.ReadModel, target.Version, ct);
        var checkpoints = subscriptions.CheckpointsOf(created);
        var positions = target.Source is { } source
            ? await source.PositionsAsync(ct)
            : (await subscriptions.CheckpointedShardsAsync(target.ReadModel, target.Live, ct))
                .Select(s => new ReplayPosition(s.Lease.ShardId, s.Lease.ParentShardId, s.Checkpoint)).ToList();
        foreach (var (shardId, parentShardId, checkpoint) in positions)
        {
            await subscriptions.Leases.CreateIfMissingAsync(new Lease(subscription, shardId) { ParentShardId = parentShardId }, ct);
            if (target.ReadModel.SeedCheckpointAsync is { } seed)
            {
                await seed(target.Version, subscription, shardId, checkpoint, ct);
            }
            else
            {
                await checkpoints.SaveAsync(subscription, shardId, checkpoint, ct);
            }
        }

        LogSeeded(logger, target.Name, target.Version, positions.Count, target.Source?.Name ?? "the live version");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuild of {ReadModel} v{Version}: seeded {Shards} shard checkpoints from {Source}")]
    private static partial void LogSeeded(ILogger logger, string readModel, int version, int shards, string source);
}
