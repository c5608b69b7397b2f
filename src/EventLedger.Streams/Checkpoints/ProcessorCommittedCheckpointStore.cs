namespace EventLedger.Streams.Checkpoints;

/// <summary>
/// For processors that persist the checkpoint themselves, atomically with their effects: reads and shard ends go to
/// the given delegates (the processor's own store), and <see cref="SaveAsync"/> is a no-op because the processor already
/// wrote <see cref="Reader.StreamBatch.CheckpointSequenceNumber"/> in its transaction.
/// </summary>
public sealed class ProcessorCommittedCheckpointStore(
    Func<string, string, CancellationToken, Task<string?>> get,
    Func<string, string, CancellationToken, Task> markShardEnd) : ICheckpointStore
{
    public Task<string?> GetAsync(string subscription, string shardId, CancellationToken cancellationToken) =>
        get(subscription, shardId, cancellationToken);

    public Task SaveAsync(string subscription, string shardId, string sequenceNumber, CancellationToken cancellationToken) =>
        Task.CompletedTask;

    public Task MarkShardEndAsync(string subscription, string shardId, CancellationToken cancellationToken) =>
        markShardEnd(subscription, shardId, cancellationToken);
}
