using System.Globalization;
using System.Numerics;
using EventLedger.ProjectionHost.Hosting;
using EventLedger.Streams.Checkpoints;

namespace EventLedger.ProjectionHost.Rebuilds.Phases;

/// <summary>
/// Phase 3: starts the new version's subscription (its seeded checkpoints replay what was appended since the scan began)
/// and waits until its checkpoint has reached, on every shard, where the live version's was when the phase started.
/// </summary>
internal sealed class CatchUpPhase(ProjectionHostService host, VersionSubscriptions subscriptions, RebuildOptions options, TimeProvider clock)
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Starts the subscription; <paramref name="started"/> is called first, so a stop knows to stop it too.</summary>
    public async Task RunAsync(RebuildTarget target, Action started, CancellationToken ct)
    {
        started();
        await host.StartVersionAsync(target.Name, target.Version, ct);
        var goal = await subscriptions.CheckpointedShardsAsync(target.ReadModel, target.Live, ct);
        var subscription = VersionSubscriptions.NameOf(target.ReadModel, target.Version);
        var checkpoints = await subscriptions.CheckpointsOfAsync(target.ReadModel, target.Version, ct);
        var deadline = clock.GetUtcNow() + options.RebuildCatchUpTimeout;
        while (true)
        {
            var behind = 0;
            foreach (var (lease, checkpoint) in goal)
            {
                if (!Reached(await checkpoints.GetAsync(subscription, lease.ShardId, ct), checkpoint)) behind++;
            }

            if (behind == 0) return;
            if (clock.GetUtcNow() > deadline)
            {
                throw new TimeoutException(
                    $"Version {target.Version} of '{target.Name}' did not catch up with version {target.Live} within {options.RebuildCatchUpTimeout} ({behind} of {goal.Count} shards behind).");
            }

            await Task.Delay(PollInterval, clock, ct);
        }
    }

    private static bool Reached(string? mine, string goal)
    {
        if (mine is null) return false;
        if (Checkpoint.IsShardEnd(mine)) return true;
        if (Checkpoint.IsShardEnd(goal)) return false;
        return BigInteger.TryParse(mine, NumberStyles.None, CultureInfo.InvariantCulture, out var a)
            && BigInteger.TryParse(goal, NumberStyles.None, CultureInfo.InvariantCulture, out var b)
            ? a >= b
            : string.CompareOrdinal(mine, goal) >= 0;
    }
}
