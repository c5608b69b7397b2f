using Microsoft.Extensions.Logging;

namespace EventLedger.ProjectionHost.Rebuilds;

/// <summary>
/// Keeps a running rebuild's lock: renews it every <see cref="RebuildOptions.RebuildHeartbeatInterval"/>. A renewal that
/// fails (a throttled or briefly unreachable registry) is logged and retried at the next interval; the rebuild goes on.
/// Only a lost lock stops it: another owner holds it, or no renewal has landed for
/// <see cref="RebuildOptions.RebuildStaleAfter"/>, from when on another host may take it over.
/// </summary>
internal sealed partial class RebuildLockKeeper(ReadModelVersionRegistry registry, RebuildOptions options, TimeProvider clock, ILogger logger)
{
    /// <summary>Renews until <paramref name="ct"/> is cancelled (the rebuild ended); calls <paramref name="lost"/> once if the lock is lost, and returns.</summary>
    public async Task KeepAsync(string name, int version, string owner, Action lost, CancellationToken ct)
    {
        var renewedAt = clock.GetUtcNow();
        var failures = 0;
        while (true)
        {
            await Task.Delay(options.RebuildHeartbeatInterval, clock, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (ct.IsCancellationRequested) return;
            var now = clock.GetUtcNow();
            bool held;
            try
            {
                held = await registry.RenewClaimAsync(name, owner, now, ct);
            }
            catch (Exception ex) when (ct.IsCancellationRequested)
            {
                // The rebuild ended while a renewal was under way; nothing is left to keep.
                LogEndedDuringRenewal(logger, ex, name, version);
                return;
            }
            catch (Exception ex)
            {
                failures++;
                var unrenewed = clock.GetUtcNow() - renewedAt;
                if (unrenewed >= options.RebuildStaleAfter)
                {
                    LogExpired(logger, ex, name, version, failures, unrenewed.TotalSeconds);
                    lost();
                    return;
                }

                LogRenewalFailed(logger, ex, name, version, failures, (options.RebuildStaleAfter - unrenewed).TotalSeconds);
                continue;
            }

            if (!held)
            {
                LogTakenOver(logger, name, version);
                lost();
                return;
            }

            if (failures > 0) LogRenewedAgain(logger, name, version, failures);
            failures = 0;
            renewedAt = now;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rebuild of {ReadModel} v{Version}: renewing its lock failed ({Failures} in a row); retrying, the lock stays valid for {Seconds:F1} s more")]
    private static partial void LogRenewalFailed(ILogger logger, Exception ex, string readModel, int version, int failures, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuild of {ReadModel} v{Version}: lock renewed again after {Failures} failed attempts")]
    private static partial void LogRenewedAgain(ILogger logger, string readModel, int version, int failures);

    [LoggerMessage(Level = LogLevel.Error, Message = "Rebuild of {ReadModel} v{Version}: its lock was not renewed for {Seconds:F1} s ({Failures} failed attempts), so another host may take it over; stopping here")]
    private static partial void LogExpired(ILogger logger, Exception ex, string readModel, int version, int failures, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rebuild of {ReadModel} v{Version}: another owner holds its lock now; stopping here and leaving the rebuild to it")]
    private static partial void LogTakenOver(ILogger logger, string readModel, int version);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Rebuild of {ReadModel} v{Version}: ended while its lock was being renewed")]
    private static partial void LogEndedDuringRenewal(ILogger logger, Exception ex, string readModel, int version);
}
