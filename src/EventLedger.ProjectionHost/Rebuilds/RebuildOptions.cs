namespace EventLedger.ProjectionHost.Rebuilds;

/// <summary>Rebuild knobs, bound from the <c>Projections</c> configuration section (e.g. <c>Projections:AutoRebuildOnSchemaChange</c>).</summary>
public sealed record RebuildOptions
{
    /// <summary>At host start, rebuild a read model whose code declares a schema version newer than its live version's.</summary>
    public bool AutoRebuildOnSchemaChange { get; init; }

    /// <summary>At host start, resume rebuilds left running by a stopped or crashed host (heartbeat stale).</summary>
    public bool ResumeRebuildsOnStart { get; init; } = true;

    /// <summary>Parallel scan segments of the event store during the bulk load.</summary>
    public int RebuildSegments { get; init; } = 4;

    /// <summary>Events per scan page; one page is one <c>ApplyAsync</c> batch (bigger pages coalesce more per invoice).</summary>
    public int RebuildPageSize { get; init; } = 2000;

    /// <summary>
    /// During a bulk load, the GC heap may grow by this many bytes (pages already applied, promoted while they waited) before
    /// the load collects it; 0 leaves it to the GC. See <c>BulkLoadHeapLimit</c>.
    /// </summary>
    public long RebuildHeapGrowthLimit { get; init; } = 64L * 1024 * 1024;

    /// <summary>How long the old version keeps being fed (and stays readable by readers with a stale cache) after a switch.</summary>
    public TimeSpan RebuildGracePeriod { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan RebuildHeartbeatInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>A rebuild whose owner has not heartbeaten for this long is taken over (its host crashed).</summary>
    public TimeSpan RebuildStaleAfter { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How often each host compares the subscriptions it runs with the versions the registry wants fed (live, catching up,
    /// retiring) and starts or stops them; a retired version's store is dropped three intervals after it is marked retired.
    /// </summary>
    public TimeSpan FollowInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest wait for the new version's subscription to reach the live version's checkpoint.</summary>
    public TimeSpan RebuildCatchUpTimeout { get; init; } = TimeSpan.FromMinutes(30);
}
