namespace EventLedger.Streams.Checkpoints;

/// <summary>
/// Per-shard progress of one subscription. The reader calls <see cref="SaveAsync"/> after a batch is done
/// (processed or parked) and <see cref="MarkShardEndAsync"/> once a closed shard has been read to its end.
/// <para>
/// A processor that commits the checkpoint in its own transaction (e.g. a PostgreSQL projection writing
/// <see cref="Reader.StreamBatch.CheckpointSequenceNumber"/> with its rows) supplies a store whose <see cref="GetAsync"/>
/// reads that value and whose <see cref="SaveAsync"/> does nothing (see <see cref="ProcessorCommittedCheckpointStore"/>).
/// </para>
/// </summary>
public interface ICheckpointStore
{
    /// <summary>The last sequence number done for the shard, <see cref="Checkpoint.ShardEnd"/> when the shard is finished, null when never started.</summary>
    Task<string?> GetAsync(string subscription, string shardId, CancellationToken cancellationToken);

    /// <summary>Records that every record up to and including <paramref name="sequenceNumber"/> is done.</summary>
    Task SaveAsync(string subscription, string shardId, string sequenceNumber, CancellationToken cancellationToken);

    /// <summary>Records that the (closed) shard has been read and processed to its end; its children may start.</summary>
    Task MarkShardEndAsync(string subscription, string shardId, CancellationToken cancellationToken);
}

/// <summary>Checkpoint sentinels (the Kinesis Client Library's names).</summary>
public static class Checkpoint
{
    /// <summary>The shard is closed and fully processed.</summary>
    public const string ShardEnd = "SHARD_END";

    public static bool IsShardEnd(string? checkpoint) => checkpoint == ShardEnd;
}
