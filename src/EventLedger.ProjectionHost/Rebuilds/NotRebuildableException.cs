namespace EventLedger.ProjectionHost.Rebuilds;

/// <summary>The consumer is hosted like a read model but is never rebuilt (<see cref="Hosting.HostedReadModel.NotRebuiltBecause"/>).</summary>
public sealed class NotRebuildableException(string message) : Exception(message);
