using EventLedger.Streams.Checkpoints;

namespace EventLedger.Streams.Reader;

/// <summary>
/// Parents before children: a shard may start once its parent is checkpointed at SHARD_END, or once the parent has left the
/// stream and the lease table (trimmed after 24 hours) so that there is nothing left to read before it.
/// </summary>
internal sealed class ParentShardGate(ICheckpointStore checkpoints, string subscription, Func<string, bool> parentStillKnown)
{
    public async Task<bool> IsOpenAsync(string? parentShardId, CancellationToken cancellationToken)
    {
        if (parentShardId is null)
        {
            return true;
        }

        if (Checkpoint.IsShardEnd(await checkpoints.GetAsync(subscription, parentShardId, cancellationToken)))
        {
            return true;
        }

        return !parentStillKnown(parentShardId);
    }
}
