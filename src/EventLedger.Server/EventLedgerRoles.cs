namespace EventLedger.Server;

/// <summary>What one process runs: the API, the projection host, or both (the default for <c>serve</c>).</summary>
[Flags]
public enum EventLedgerRoles
{
    Api = 1,
    ProjectionHost = 2,
    All = Api | ProjectionHost,
}
