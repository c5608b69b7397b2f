using EventLedger.ProjectionHost.Hosting;

namespace EventLedger.ProjectionHost.Rebuilds.Phases;

/// <summary>What every phase of one rebuild works on: the read model, the live version it builds beside, the version it builds.</summary>
internal sealed record RebuildTarget(HostedReadModel ReadModel, int Live, int Version)
{
    public string Name => ReadModel.Name;
}
