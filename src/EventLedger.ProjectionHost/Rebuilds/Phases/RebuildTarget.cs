using EventLedger.ProjectionHost.Hosting;

namespace EventLedger.ProjectionHost.Rebuilds.Phases;

/// <summary>
/// What every phase of one rebuild works on: the read model, the live version it builds beside, the version it builds, and
/// the <see cref="IReplaySource"/> it bulk-loads from (null: the event store).
/// </summary>
internal sealed record RebuildTarget(HostedReadModel ReadModel, int Live, int Version, IReplaySource? Source = null)
{
    public string Name => ReadModel.Name;
}
