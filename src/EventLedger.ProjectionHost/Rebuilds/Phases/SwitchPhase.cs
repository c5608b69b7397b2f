using EventLedger.Projections.Contracts;
using Microsoft.Extensions.Logging;

namespace EventLedger.ProjectionHost.Rebuilds.Phases;

/// <summary>A rebuild's lock was found in another owner's hands: the rebuild is that owner's now.</summary>
internal sealed class RebuildLockLostException(string message) : Exception(message);

/// <summary>
/// Phase 4: moves readers to the new version in one conditional write (live pointer from the old version to the new,
/// only while this owner holds the lock), then records the new version live and the old one retiring until the end of
/// the grace period.
/// </summary>
internal sealed partial class SwitchPhase(ReadModelVersionRegistry registry, IReadModelCatalog catalog, RebuildOptions options, TimeProvider clock, ILogger logger)
{
    public async Task RunAsync(RebuildTarget target, int schemaVersion, string owner, CancellationToken ct)
    {
        await registry.EnterPhaseAsync(target.Name, target.Version, RebuildPhase.Switching, ct);

        // Not cancellable halfway: once this write lands readers move, whatever becomes of the run.
        if (!await registry.SwitchLiveAsync(target.Name, target.Live, target.Version, schemaVersion, owner, CancellationToken.None))
        {
            var pointer = await registry.GetPointerAsync(target.Name, CancellationToken.None);
            if (pointer.Owner != owner)
            {
                throw new RebuildLockLostException($"Switching '{target.Name}' to version {target.Version}: the lock is held by {pointer.Owner ?? "nobody"} now.");
            }

            throw new InvalidOperationException($"Switching '{target.Name}' from version {target.Live} to {target.Version} found version {pointer.LiveVersion} live.");
        }

        (catalog as RegistryReadModelCatalog)?.Invalidate(target.Name);
        LogSwitched(logger, target.Name, target.Live, target.Version);
        await RecordRolesAsync(target);
    }

    /// <summary>Records the new version live and the old one retiring; retried a few times, as readers have moved already.</summary>
    private async Task RecordRolesAsync(RebuildTarget target)
    {
        const int attempts = 3;
        var now = clock.GetUtcNow();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await registry.MarkLiveAsync(target.Name, target.Version, now, CancellationToken.None);
                await registry.MarkRetiringAsync(target.Name, target.Live, now + options.RebuildGracePeriod, CancellationToken.None);
                return;
            }
            catch (Exception ex) when (attempt < attempts)
            {
                LogRolesRetried(logger, ex, target.Name, attempt);
                await Task.Delay(options.RebuildHeartbeatInterval, clock, CancellationToken.None);
            }
            catch (Exception ex)
            {
                // The rebuild did not fail (readers have moved), so it is not recorded as failed; what is missing is said here.
                LogRolesNotRecorded(logger, ex, target.Name, target.Live, target.Version, attempts);
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuild of {ReadModel}: switched readers from version {From} to {To}")]
    private static partial void LogSwitched(ILogger logger, string readModel, int from, int to);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rebuild of {ReadModel}: recording the versions' roles after the switch failed (attempt {Attempt}); retrying")]
    private static partial void LogRolesRetried(ILogger logger, Exception ex, string readModel, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Rebuild of {ReadModel}: readers moved from version {From} to {To}, but recording the versions' roles failed {Attempts} times: the status keeps showing the switch, and the old version is not retired or dropped")]
    private static partial void LogRolesNotRecorded(ILogger logger, Exception ex, string readModel, int from, int to, int attempts);
}
