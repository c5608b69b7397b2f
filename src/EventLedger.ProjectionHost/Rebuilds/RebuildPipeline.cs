using EventLedger.ProjectionHost.Hosting;
using EventLedger.ProjectionHost.Rebuilds.Phases;
using Microsoft.Extensions.Logging;

namespace EventLedger.ProjectionHost.Rebuilds;

/// <summary>
/// Runs one rebuild through its phases (create and seed, bulk load, catch-up, switch; retirement is handed to the
/// background) while <see cref="RebuildLockKeeper"/> keeps its lock, and records how it ended: completed, cancelled,
/// failed, suspended for the next host, or left to the host that took the lock over.
/// </summary>
internal sealed partial class RebuildPipeline(
    ProjectionHostService host,
    ReadModelVersionRegistry registry,
    CreateAndSeedPhase createAndSeed,
    BulkLoadPhase bulkLoad,
    CatchUpPhase catchUp,
    SwitchPhase switchLive,
    RebuildLockKeeper lockKeeper,
    TimeProvider clock,
    ILogger logger)
{
    /// <summary>Runs <paramref name="run"/> to its end; never throws (every end is logged and, where it can be, recorded).</summary>
    /// <returns>True when readers were switched to the new version.</returns>
    public async Task<bool> RunAsync(RebuildRun run, string owner)
    {
        var target = run.Target;
        var ct = run.Token;
        var subscriptionStarted = false;
        var switched = false;
        using var keeping = new CancellationTokenSource();
        var keeper = lockKeeper.KeepAsync(target.Name, target.Version, owner, () => run.RequestStop(RebuildStopReason.LockLost), keeping.Token);
        Exception? failure = null;
        try
        {
            var record = await registry.GetVersionAsync(target.Name, target.Version, ct)
                ?? throw new InvalidOperationException($"Version {target.Version} of '{target.Name}' is not in the registry.");
            var projection = await createAndSeed.RunAsync(target, record, ct);
            if (record.Phase == RebuildPhase.BulkLoad) await bulkLoad.RunAsync(target, record, projection, ct);
            await catchUp.RunAsync(target, () => subscriptionStarted = true, ct);
            await switchLive.RunAsync(target, record.SchemaVersion, owner, ct);
            switched = true;
        }
        catch (RebuildLockLostException ex)
        {
            LogLockLost(logger, ex, target.Name, target.Version);
            run.RequestStop(RebuildStopReason.LockLost);
        }
        catch (Exception ex) when (run.StopReason is not RebuildStopReason.None)
        {
            // Stopping cancels whatever the run was doing; the exception is how that shows, not a failure.
            LogStoppedWith(logger, ex, target.Name, target.Version, run.StopReason);
        }
        catch (Exception ex)
        {
            LogFailed(logger, ex, target.Name, target.Version);
            failure = ex;
        }

        // The heartbeat ends before the outcome is recorded, so it cannot take a released lock for a lost one.
        await keeping.CancelAsync();
        await keeper;
        // Decided once: a stop requested after the switch landed does not undo it.
        var outcome = switched ? Outcome.Completed : failure is not null ? Outcome.Failed : run.StopReason switch
        {
            RebuildStopReason.CancelRequested => Outcome.Cancelled,
            RebuildStopReason.HostStopping => Outcome.Suspended,
            _ => Outcome.LeftToNewOwner,
        };
        await RecordAsync(run.Target, outcome, owner, failure, subscriptionStarted);
        return switched;
    }

    private async Task RecordAsync(RebuildTarget target, Outcome outcome, string owner, Exception? failure, bool subscriptionStarted)
    {
        var (name, version) = (target.Name, target.Version);
        try
        {
            if (outcome is not Outcome.Completed && subscriptionStarted) await host.StopVersionAsync(name, version, CancellationToken.None);
            switch (outcome)
            {
                case Outcome.Completed:
                    await ReleaseAsync(name, version, owner);
                    break;
                case Outcome.Failed:
                    await registry.MarkFailedAsync(name, version, failure!.GetBaseException().Message, clock.GetUtcNow(), CancellationToken.None);
                    await ReleaseAsync(name, version, owner);
                    break;
                case Outcome.Cancelled:
                    await registry.MarkCancelledAsync(name, version, clock.GetUtcNow(), CancellationToken.None);
                    await ReleaseAsync(name, version, owner);
                    LogCancelled(logger, name, version);
                    break;
                case Outcome.Suspended:
                    if (!await registry.SuspendClaimAsync(name, owner, CancellationToken.None)) LogNotOurs(logger, name, version);
                    LogSuspended(logger, name, version);
                    break;
                default:
                    // The lock is another owner's: whatever this host wrote now would overwrite that owner's progress.
                    LogLeftToNewOwner(logger, name, version);
                    break;
            }
        }
        catch (Exception ex)
        {
            // The registry may still show the rebuild running under this host's lock. The lock goes stale after
            // RebuildStaleAfter; a rebuild still marked running is then resumed from its saved state by the next host.
            LogOutcomeNotRecorded(logger, ex, name, version, outcome);
        }
    }

    private async Task ReleaseAsync(string name, int version, string owner)
    {
        if (!await registry.ReleaseClaimAsync(name, owner, CancellationToken.None)) LogNotOurs(logger, name, version);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuild of {ReadModel} v{Version} cancelled; resume state kept")]
    private static partial void LogCancelled(ILogger logger, string readModel, int version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuild of {ReadModel} v{Version} suspended (host stopping); the next host resumes it")]
    private static partial void LogSuspended(ILogger logger, string readModel, int version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rebuild of {ReadModel} v{Version} stopped here: its lock is another owner's, who carries on from the saved state")]
    private static partial void LogLeftToNewOwner(ILogger logger, string readModel, int version);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Rebuild of {ReadModel} v{Version} stopping ({Reason})")]
    private static partial void LogStoppedWith(ILogger logger, Exception ex, string readModel, int version, RebuildStopReason reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rebuild of {ReadModel} v{Version}: the switch found the lock in another owner's hands")]
    private static partial void LogLockLost(ILogger logger, Exception ex, string readModel, int version);

    [LoggerMessage(Level = LogLevel.Error, Message = "Rebuild of {ReadModel} v{Version} failed")]
    private static partial void LogFailed(ILogger logger, Exception ex, string readModel, int version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rebuild of {ReadModel} v{Version}: its lock was no longer this host's when it was to be let go; left as it is")]
    private static partial void LogNotOurs(ILogger logger, string readModel, int version);

    [LoggerMessage(Level = LogLevel.Error, Message = "Rebuild of {ReadModel} v{Version} ended ({Outcome}), but recording that in the registry failed; its lock goes stale after RebuildStaleAfter")]
    private static partial void LogOutcomeNotRecorded(ILogger logger, Exception ex, string readModel, int version, Outcome outcome);

    /// <summary>How a run ended.</summary>
    private enum Outcome
    {
        Completed,
        Failed,
        Cancelled,
        Suspended,
        LeftToNewOwner,
    }
}
