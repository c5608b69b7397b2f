using EventLedger.ProjectionHost.Hosting;
using Microsoft.Extensions.Logging;

namespace EventLedger.ProjectionHost.Rebuilds.Phases;

/// <summary>
/// Phase 5, and dropping a half-built version: retires a version readers were switched away from once its grace period
/// is over, or drops a version a restarted rebuild throws away. Either way the store goes only after every host's
/// <see cref="ReadModelVersionFollower"/> has had time to stop feeding it (a write into a dropped table would fail and
/// park records of a version nobody reads).
/// </summary>
internal sealed partial class RetirePhase(
    ProjectionHostService host,
    ReadModelVersionRegistry registry,
    VersionSubscriptions subscriptions,
    RebuildOptions options,
    TimeProvider clock,
    ILogger logger)
{
    /// <summary>Time for every host's follower to see a change in the registry (three follow intervals).</summary>
    private TimeSpan FollowersCatchUp => options.FollowInterval * 3;

    /// <summary>
    /// Marks a retiring version retired after <paramref name="delay"/> (one conditional write, so one host wins), which
    /// makes every host stop feeding it; the winner drops its store once they have had time to. Run by the host that
    /// switched, after the grace period, or by any host's follower when that host went away.
    /// </summary>
    public async Task RetireAsync(HostedReadModel readModel, int version, TimeSpan delay, CancellationToken ct)
    {
        await Task.Delay(delay, clock, ct);
        var won = await registry.TryMarkRetiredAsync(readModel.Name, version, clock.GetUtcNow(), ct);
        await host.StopVersionAsync(readModel.Name, version, ct);
        if (!won)
        {
            LogRetiredElsewhere(logger, readModel.Name, version);
            return;
        }

        await Task.Delay(FollowersCatchUp, clock, ct);
        if (readModel.DropAsync is { } drop) await drop(version, ct);
        LogRetired(logger, readModel.Name, version);
    }

    /// <summary>Drops a half-built version (a rebuild started over): store, leases and registry record.</summary>
    public async Task DropAsync(HostedReadModel readModel, int version, CancellationToken ct)
    {
        // Other hosts may be feeding it (a catch-up left by a crashed owner): marking it cancelled stops their followers.
        var fed = await registry.GetVersionAsync(readModel.Name, version, ct) is { State: RebuildState.Running, Phase: not RebuildPhase.BulkLoad };
        await registry.MarkCancelledAsync(readModel.Name, version, clock.GetUtcNow(), ct);
        await host.StopVersionAsync(readModel.Name, version, ct);
        if (fed) await Task.Delay(FollowersCatchUp, clock, ct);
        if (readModel.DropAsync is { } drop) await drop(version, ct);
        await subscriptions.DeleteLeasesAsync(readModel, version, ct);
        await registry.DeleteVersionAsync(readModel.Name, version, ct);
        LogDropped(logger, readModel.Name, version);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuild of {ReadModel}: version {Version} retired (subscription stopped, store dropped)")]
    private static partial void LogRetired(ILogger logger, string readModel, int version);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Rebuild of {ReadModel}: version {Version} was retired by another host; stopped feeding it here")]
    private static partial void LogRetiredElsewhere(ILogger logger, string readModel, int version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuild of {ReadModel}: half-built version {Version} dropped to start over")]
    private static partial void LogDropped(ILogger logger, string readModel, int version);
}
