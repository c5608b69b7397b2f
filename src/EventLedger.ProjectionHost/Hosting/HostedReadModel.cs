using EventLedger.Projections.Contracts;
using EventLedger.Streams.Checkpoints;

namespace EventLedger.ProjectionHost.Hosting;

/// <summary>
/// A read model the host can run: given a version, its projection (tables created) and, for stores that commit their
/// checkpoint with their rows (PostgreSQL), its own checkpoint store; null means checkpoints in the DynamoDB lease table.
/// </summary>
public sealed record HostedReadModel(
    string Name,
    int SchemaVersion,
    Func<int, CancellationToken, Task<HostedProjection>> CreateAsync);

public sealed record HostedProjection(IProjection Projection, ICheckpointStore? Checkpoints = null);
