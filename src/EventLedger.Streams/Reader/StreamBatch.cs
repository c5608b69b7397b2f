using EventLedger.Streams.Client.Model;

namespace EventLedger.Streams.Reader;

/// <summary>Records of one shard, in stream order, handed to an <see cref="IStreamBatchProcessor"/>.</summary>
public sealed record StreamBatch(string Subscription, string ShardId, IReadOnlyList<Record> Records)
{
    /// <summary>Sequence number of the last record in <see cref="Records"/>.</summary>
    public string LastSequenceNumber => Records[^1].Dynamodb.SequenceNumber;

    /// <summary>
    /// The shard checkpoint that becomes true once this batch has been applied: everything before it in the shard is already
    /// done (processed or parked). A processor that commits checkpoints in its own transaction writes this value (when it is
    /// not null) together with its effects. Null when this batch alone does not complete a prefix of the shard: a lane when
    /// <see cref="StreamSubscriptionOptions.ParallelizationFactor"/> &gt; 1, or a dead-letter retry.
    /// </summary>
    public string? CheckpointSequenceNumber { get; init; }

    /// <summary>1 on first delivery; higher on retries of the same records.</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>True when an operator retries a parked record (the shard has long moved on).</summary>
    public bool IsDeadLetterRetry { get; init; }
}

/// <summary>
/// Applies a batch. Throwing fails the batch (it is retried, bisected, then parked as configured); returning means every
/// record is applied. Delivery is at least once: a batch may arrive again after a crash, a restart or a lease move, so
/// effects must be idempotent (e.g. versioned read models).
/// </summary>
public interface IStreamBatchProcessor
{
    Task ProcessAsync(StreamBatch batch, CancellationToken cancellationToken);
}
