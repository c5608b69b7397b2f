using EventLedger.ProjectionHost.Hosting;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EventLedger.ProjectionHost.Rebuilds;

/// <summary>
/// Keeps this host's subscriptions in line with the version registry, so that every host feeds the versions that need
/// feeding — not only the host that ran the rebuild: the live version (also the new one after a switch made elsewhere),
/// a version being caught up, and a retiring version until it is retired. Versions the registry no longer wants
/// (retired, cancelled, failed, dropped) are stopped. Checked every <see cref="RebuildOptions.FollowInterval"/>; the
/// lease table splits each subscription's shards between the hosts that run it.
/// </summary>
public sealed partial class ReadModelVersionFollower(
    ProjectionHostService host,
    ReadModelVersionRegistry registry,
    RebuildEngine engine,
    RebuildOptions options,
    TimeProvider clock,
    ILogger<ReadModelVersionFollower> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (true)
        {
            await Task.Delay(options.FollowInterval, clock, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (stoppingToken.IsCancellationRequested) return;
            foreach (var readModel in host.ReadModels)
            {
                try
                {
                    await FollowAsync(readModel.Name, stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // One bad interval (say, the registry throttled) must not end following; the next interval tries again.
                    LogFollowFailed(logger, ex, readModel.Name);
                }
                catch (Exception ex)
                {
                    // The host is stopping and cancelled the registry read or a subscription start/stop; nothing to follow any more.
                    LogFollowStopped(logger, ex, readModel.Name);
                    return;
                }
            }
        }
    }

    /// <summary>Starts the versions of <paramref name="name"/> the registry wants fed and stops the others, once.</summary>
    public async Task FollowAsync(string name, CancellationToken ct)
    {
        var (pointer, versions) = await registry.GetPointerAndVersionsAsync(name, ct);
        var wanted = VersionsToFeed(pointer, versions);
        var running = host.RunningVersions(name);
        var grouped = host.GroupVersions(name);
        var live = LiveVersions(pointer, versions);
        foreach (var version in wanted.Order())
        {
            // A live (or retiring) DynamoDB version is fed by the group; a version fed on its own until its switch joins it.
            var inGroup = host.CanGroup(name) && live.Contains(version);
            if (inGroup ? grouped.Contains(version) : running.Contains(version)) continue;
            LogStarting(logger, name, version);
            await host.StartVersionAsync(name, version, ct, live: inGroup);
        }

        foreach (var version in running.Except(wanted).Order())
        {
            LogStopping(logger, name, version);
            await host.StopVersionAsync(name, version, ct);
        }

        // A version whose grace period ended a while ago and is still retiring: the host that switched went away.
        var overdue = clock.GetUtcNow() - (options.FollowInterval * 2);
        foreach (var version in versions.Where(v => v.Role == VersionRole.Retiring && v.RetireAfter < overdue))
        {
            LogRetiringOverdue(logger, name, version.Version);
            engine.BeginRetire(host.ReadModels.First(r => r.Name == name), version.Version);
        }
    }

    /// <summary>The versions the group should feed: the live pointer's and any version recorded as live or retiring.</summary>
    public static IReadOnlySet<int> LiveVersions(ReadModelPointer pointer, IEnumerable<ReadModelVersionRecord> versions) =>
        new SortedSet<int>(versions.Where(v => v.Role is VersionRole.Live or VersionRole.Retiring).Select(v => v.Version)) { pointer.LiveVersion };

    /// <summary>
    /// The versions to feed: the live pointer's; any version recorded as live or retiring (the old live version keeps
    /// being fed through its grace period); a building version once its bulk load is done (catch-up, switching).
    /// </summary>
    public static IReadOnlySet<int> VersionsToFeed(ReadModelPointer pointer, IEnumerable<ReadModelVersionRecord> versions)
    {
        var wanted = new SortedSet<int> { pointer.LiveVersion };
        foreach (var v in versions)
        {
            var feed = v.Role switch
            {
                VersionRole.Live or VersionRole.Retiring => true,
                VersionRole.Building => v.State == RebuildState.Running && v.Phase is RebuildPhase.CatchUp or RebuildPhase.Switching,
                _ => false,
            };
            if (feed) wanted.Add(v.Version);
        }

        return wanted;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Read model {ReadModel}: the registry wants version {Version} fed; starting its subscription on this host")]
    private static partial void LogStarting(ILogger logger, string readModel, int version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Read model {ReadModel}: the registry no longer wants version {Version} fed; stopping its subscription on this host")]
    private static partial void LogStopping(ILogger logger, string readModel, int version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Read model {ReadModel}: version {Version} is past its grace period and still retiring; retiring it from this host")]
    private static partial void LogRetiringOverdue(ILogger logger, string readModel, int version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Following the version registry for {ReadModel} failed; retrying at the next interval")]
    private static partial void LogFollowFailed(ILogger logger, Exception ex, string readModel);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Following the version registry for {ReadModel} stopped with the host")]
    private static partial void LogFollowStopped(ILogger logger, Exception ex, string readModel);
}
