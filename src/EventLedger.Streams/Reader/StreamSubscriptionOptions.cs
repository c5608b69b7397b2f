using EventLedger.Streams.Client.Model;
using EventLedger.Streams.Leases;

namespace EventLedger.Streams.Reader;

/// <summary>Where a new shard (one without checkpoint) starts. Child shards always start at their beginning.</summary>
public enum InitialPosition
{
    TrimHorizon,
    Latest,
}

/// <summary>
/// One subscription's knobs, in the spirit of Lambda's event source mapping for DynamoDB Streams, plus the KCL's lease settings.
/// </summary>
public sealed record StreamSubscriptionOptions
{
    /// <summary>The subscription name (e.g. "dynamodb-read-models", "analytics"): leases, checkpoints and dead letters are kept under it.</summary>
    public required string Name { get; init; }

    /// <summary>The stream to read. When null, the table's latest stream is looked up with ListStreams.</summary>
    public string? StreamArn { get; init; }

    /// <summary>Used to find the stream when <see cref="StreamArn"/> is null.</summary>
    public string? TableName { get; init; }

    /// <summary>This host's identity in the lease table. Unique per process by default.</summary>
    public string OwnerId { get; init; } = LeaseOwner.NewId();

    /// <summary>Most records per processor call (1–10,000; default 100). GetRecords returns at most 1,000 per call; larger batches are gathered over several calls.</summary>
    public int BatchSize { get; init; } = 100;

    /// <summary>How long to keep gathering records before calling the processor with a batch that is not full (0–300 s; default 0: as soon as a read returns records).</summary>
    public TimeSpan MaximumBatchingWindow { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// The adaptive batching window (0–300 s; default 0: off). While the previous batch of a shard is still being applied,
    /// the next one (read ahead) keeps reading records for up to this long after its first record, instead of stopping at
    /// the first read that returned any: it could not be handed over before the previous batch completes anyway, so it
    /// grows with the load at no cost in latency. An idle shard, or records that arrive after the previous batch completed,
    /// go at once. Needs <see cref="ReadAhead"/>. The window each batch used is the metric
    /// <c>eventledger.streams.batching_window</c>.
    /// </summary>
    public TimeSpan AdaptiveBatchingWindow { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// Under load, the shortest time from the start of one batch of a shard to the next (0–300 s; default 0: off; at most
    /// <see cref="AdaptiveBatchingWindow"/>, and needs it and <see cref="ReadAhead"/>). A shard is under load when its last
    /// batch held more than one record and was not full. The next batch then does not poll every
    /// <see cref="PollInterval"/>: it waits until this interval has passed and the previous batch is applied (at most the
    /// adaptive window), and reads once, taking everything that arrived meanwhile. So batches, and the processor's calls
    /// per batch, follow the load instead of the poll interval. If that read finds nothing the shard is idle again and
    /// polls as before; a shard whose batches hold one record (low rates) or are full (catch-up) is not paced, so its
    /// records go at once. A paced batch's window (<c>eventledger.streams.batching_window</c>) is the time it waited.
    /// </summary>
    public TimeSpan LoadedBatchInterval { get; init; } = TimeSpan.Zero;

    /// <summary>Retries of a failing batch (after bisection, of a failing record) before it is parked: 0–10,000, or -1 for no limit (default 5).</summary>
    public int MaximumRetryAttempts { get; init; } = 5;

    /// <summary>Records older than this when their turn comes are parked with reason "expired" instead of processed (null: no limit; default).</summary>
    public TimeSpan? MaximumRecordAge { get; init; }

    /// <summary>On a processor error, split the batch in two and process the halves in order, down to single records (default true).</summary>
    public bool BisectBatchOnFunctionError { get; init; } = true;

    /// <summary>Concurrent lanes per shard (1–10; default 1). Records are assigned to a lane by partition key, so each key keeps its order.</summary>
    public int ParallelizationFactor { get; init; } = 1;

    /// <summary>The partition key of a record for <see cref="ParallelizationFactor"/>. Default: the table's HASH key value from the record's Keys.</summary>
    public Func<Record, string>? PartitionKeySelector { get; init; }

    /// <summary>Wait between reads when a shard returned nothing new (default 250 ms: 4 polls per second per shard, like Lambda). A full batch is followed by the next read at once.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Shortest time between two checkpoint writes of a shard (default 1 s, as KCL applications do; zero: after every batch).
    /// A finished batch whose checkpoint is not written yet is written when the interval has passed (also while the shard is
    /// idle), when the worker stops (shutdown, lost lease, failure) and, as SHARD_END, when the shard ends. After a crash the
    /// records since the last written checkpoint are delivered again, so processors must be idempotent (ours are: every row
    /// carries the last version applied to it).
    /// </summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Read the next batch from the shard while the processor applies the current one (default true). At most one batch is
    /// read ahead; batches still reach the processor one after another, in shard order.
    /// </summary>
    public bool ReadAhead { get; init; } = true;

    /// <summary>A lease whose counter has not moved for this long is taken over by another host (default 10 s).</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often held leases are renewed and the lease table is balanced (default: a third of <see cref="LeaseDuration"/>).</summary>
    public TimeSpan? LeaseRenewInterval { get; init; }

    /// <summary>Cap on leases one host holds (null: no cap).</summary>
    public int? MaxLeasesPerHost { get; init; }

    /// <summary>How often shards are listed again to find new ones (default 30 s).</summary>
    public TimeSpan ShardDiscoveryInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Where a shard without checkpoint starts (default TRIM_HORIZON: everything the stream still holds).</summary>
    public InitialPosition InitialPosition { get; init; } = InitialPosition.TrimHorizon;

    /// <summary>First delay of the retry/throttle backoff (doubles per attempt, with jitter; default 100 ms).</summary>
    public TimeSpan BackoffBase { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Longest backoff delay (default 10 s).</summary>
    public TimeSpan BackoffMax { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>On stop, how long an in-flight batch may take to finish before it is abandoned (default 10 s).</summary>
    public TimeSpan ShutdownGracePeriod { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Failures that say the processor's store is unavailable (down, restarting, throttling) rather than that the records are
    /// bad. They pause the shard: the same batch is retried with capped backoff for as long as it takes, without bisecting,
    /// without counting toward <see cref="MaximumRetryAttempts"/> and without parking anything (null: no failure is transient).
    /// </summary>
    public Func<Exception, bool>? IsTransientFailure { get; init; }

    /// <summary>
    /// Which processor failures mean "the store's checkpoint is not where this reader's last commit left it" (a store that
    /// commits asynchronously lost its last commits in a crash, or another host moved the checkpoint): the batch is not
    /// retried, bisected or parked; the shard's worker stops and starts again from the checkpoint the store holds (null:
    /// no failure does this).
    /// </summary>
    public Func<Exception, bool>? RestartsFromStoredCheckpoint { get; init; }

    /// <summary>
    /// Which shards this host may lease for this subscription (null: any). The projection host passes "the shards whose
    /// lease this host holds for the group of live read models", so every subscription of a shard is read by the process
    /// that owns the shard, and a shard has at most two reading processes (ADR 0016). A held lease of a shard that is no
    /// longer allowed is given up once its worker has stopped.
    /// </summary>
    public Func<string, bool>? MayLease { get; init; }

    /// <summary>Create the lease and dead-letter tables when missing (default true).</summary>
    public bool CreateTablesIfMissing { get; init; } = true;

    public TimeSpan EffectiveRenewInterval => LeaseRenewInterval ?? TimeSpan.FromTicks(LeaseDuration.Ticks / 3);

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name))
        {
            throw new ArgumentException("A subscription needs a name.", nameof(Name));
        }

        if (StreamArn is null && TableName is null)
        {
            throw new ArgumentException($"Subscription {Name}: set StreamArn or TableName.");
        }

        Check(BatchSize is >= 1 and <= 10_000, nameof(BatchSize), "1–10,000");
        Check(MaximumBatchingWindow >= TimeSpan.Zero && MaximumBatchingWindow <= TimeSpan.FromSeconds(300), nameof(MaximumBatchingWindow), "0–300 s");
        Check(AdaptiveBatchingWindow >= TimeSpan.Zero && AdaptiveBatchingWindow <= TimeSpan.FromSeconds(300), nameof(AdaptiveBatchingWindow), "0–300 s");
        Check(LoadedBatchInterval >= TimeSpan.Zero && LoadedBatchInterval <= TimeSpan.FromSeconds(300), nameof(LoadedBatchInterval), "0–300 s");
        Check(MaximumRetryAttempts is >= -1 and <= 10_000, nameof(MaximumRetryAttempts), "-1 (no limit) or 0–10,000");
        Check(MaximumRecordAge is null || MaximumRecordAge > TimeSpan.Zero, nameof(MaximumRecordAge), "positive or null");
        Check(ParallelizationFactor is >= 1 and <= 10, nameof(ParallelizationFactor), "1–10");
        Check(PollInterval > TimeSpan.Zero, nameof(PollInterval), "positive");
        Check(CheckpointInterval >= TimeSpan.Zero && CheckpointInterval <= TimeSpan.FromMinutes(5), nameof(CheckpointInterval), "0–5 min");
        Check(LeaseDuration > TimeSpan.Zero, nameof(LeaseDuration), "positive");
        Check(EffectiveRenewInterval > TimeSpan.Zero && EffectiveRenewInterval < LeaseDuration, nameof(LeaseRenewInterval), "positive and shorter than LeaseDuration");
        Check(MaxLeasesPerHost is null or > 0, nameof(MaxLeasesPerHost), "positive or null");
        Check(ShardDiscoveryInterval > TimeSpan.Zero, nameof(ShardDiscoveryInterval), "positive");
        Check(BackoffBase > TimeSpan.Zero && BackoffMax >= BackoffBase, nameof(BackoffBase), "positive and at most BackoffMax");
        Check(ShutdownGracePeriod >= TimeSpan.Zero, nameof(ShutdownGracePeriod), "zero or positive");
        Check(OwnerId.Length > 0, nameof(OwnerId), "non-empty");
    }

    private void Check(bool ok, string name, string range)
    {
        if (!ok)
        {
            throw new ArgumentOutOfRangeException(name, $"Subscription {Name}: {name} must be {range}.");
        }
    }
}
