using Amazon.DynamoDBv2.Model;

namespace EventLedger.ProjectionHost.Rebuilds;

/// <summary>How one read-model version's build stands; stored and shown as <c>running</c>, <c>completed</c>, <c>failed</c>, <c>cancelled</c>.</summary>
public enum RebuildState
{
    Running,
    Completed,
    Failed,
    Cancelled,
}

/// <summary>Where a rebuild is; stored and shown as <c>bulk-load</c>, <c>catch-up</c>, <c>switching</c>, <c>done</c>.</summary>
public enum RebuildPhase
{
    BulkLoad,
    CatchUp,
    Switching,
    Done,
}

/// <summary>
/// What a version is to readers; stored and shown as <c>building</c> (not read), <c>live</c> (read), <c>retiring</c>
/// (switched away from, still fed for a grace period), <c>retired</c> (dropped).
/// </summary>
public enum VersionRole
{
    Building,
    Live,
    Retiring,
    Retired,
}

/// <summary>The text a state, phase or role is stored in the registry as, and shown as by the API and the CLI.</summary>
public static class RegistryText
{
    public static string ToText(this RebuildState state) => state switch
    {
        RebuildState.Running => "running",
        RebuildState.Completed => "completed",
        RebuildState.Failed => "failed",
        RebuildState.Cancelled => "cancelled",
        _ => throw new ArgumentOutOfRangeException(nameof(state), state, "Not a rebuild state."),
    };

    public static string ToText(this RebuildPhase phase) => phase switch
    {
        RebuildPhase.BulkLoad => "bulk-load",
        RebuildPhase.CatchUp => "catch-up",
        RebuildPhase.Switching => "switching",
        RebuildPhase.Done => "done",
        _ => throw new ArgumentOutOfRangeException(nameof(phase), phase, "Not a rebuild phase."),
    };

    public static string ToText(this VersionRole role) => role switch
    {
        VersionRole.Building => "building",
        VersionRole.Live => "live",
        VersionRole.Retiring => "retiring",
        VersionRole.Retired => "retired",
        _ => throw new ArgumentOutOfRangeException(nameof(role), role, "Not a version role."),
    };
}

/// <summary>The live pointer of one read model and the rebuild lock (<see cref="RebuildingVersion"/>, owner, heartbeat).</summary>
public sealed record ReadModelPointer(string Name, int LiveVersion, int? LiveSchemaVersion, int? RebuildingVersion, string? Owner, DateTimeOffset? HeartbeatAt);

/// <summary>
/// One version of a read model as the registry records it. <see cref="EventsTotal"/> is null while the size of the event
/// store is unknown; <see cref="Resume"/> holds, per scan segment, the last evaluated key whose page was applied (null:
/// the segment is finished); <see cref="StartedAt"/> is <see cref="DateTimeOffset.MinValue"/> for a version that was
/// never built by a rebuild (the first live version).
/// </summary>
public sealed record ReadModelVersionRecord(
    string Name,
    int Version,
    RebuildState State,
    VersionRole Role,
    RebuildPhase Phase,
    int SchemaVersion,
    long EventsDone,
    long? EventsTotal,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    string? Error,
    bool Seeded,
    int Segments,
    IReadOnlyDictionary<int, Dictionary<string, AttributeValue>?> Resume,
    DateTimeOffset? RetireAfter = null)
{
    /// <summary>A version a rebuild starts building: nothing loaded, nothing seeded, no resume state.</summary>
    public static ReadModelVersionRecord Building(string name, int version, int schemaVersion, int segments, DateTimeOffset startedAt) =>
        new(name, version, RebuildState.Running, VersionRole.Building, RebuildPhase.BulkLoad, schemaVersion, 0, null, startedAt, null, null,
            Seeded: false, segments, new Dictionary<int, Dictionary<string, AttributeValue>?>());
}
