using EventLedger.Projections.Contracts;
using EventLedger.Projections.DynamoDb.Group;
using EventLedger.Streams.Checkpoints;

namespace EventLedger.ProjectionHost.Hosting;

/// <summary>
/// A read model the host can run: given a version, its projection (tables created) and, for stores that commit their
/// checkpoint with their rows (PostgreSQL), its own checkpoint store; null means checkpoints in the DynamoDB lease table.
/// <c>DropAsync</c> deletes a version's store (a rebuild retiring the old version, or <c>--restart</c>);
/// <c>SeedCheckpointAsync(version, subscription, shardId, sequenceNumber)</c> writes a starting checkpoint where the store
/// keeps its own (a rebuild seeding the new version from the live one); null means the DynamoDB lease table.
/// <c>NotRebuiltBecause</c> is set for consumers hosted like read models that have no store to rebuild (a reaction: a
/// rebuild would send every message again); it is the reason an operator is told, and the rebuild engine refuses them.
/// Built from a declaration by <see cref="ReadModelHosting"/>.
/// </summary>
public sealed record HostedReadModel(
    string Name,
    int SchemaVersion,
    Func<int, CancellationToken, Task<HostedProjection>> CreateAsync,
    Func<int, CancellationToken, Task>? DropAsync = null,
    Func<int, string, string, string, CancellationToken, Task>? SeedCheckpointAsync = null,
    string? NotRebuiltBecause = null)
{
    public bool IsRebuildable => NotRebuiltBecause is null;
}

/// <summary>
/// One version of a read model, ready to feed. <paramref name="GroupMember"/> is set for DynamoDB read models: the live
/// version is then fed by the host's group rather than a subscription of its own (ADR 0016).
/// </summary>
public sealed record HostedProjection(IProjection Projection, ICheckpointStore? Checkpoints = null, IDynamoDbGroupMember? GroupMember = null);
