namespace EventLedger.ProjectionHost.Hosting;

/// <summary>
/// The projection host's knobs: Lambda event-source-mapping style settings applied to every read model's subscription.
/// Defaults favour low latency on DynamoDB Local; on real DynamoDB raise <see cref="PollInterval"/> to 200+ ms, since a
/// shard serves about 5 GetRecords calls per second across all its readers.
/// </summary>
public sealed record ProjectionHostOptions
{
    public string TablePrefix { get; init; } = "eventledger-";

    /// <summary>Most records per batch (1–10,000). At steady state batches are small anyway; during catch-up a large batch
    /// coalesces more events per invoice row (5,000 measured best in the catch-up benchmark).</summary>
    public int BatchSize { get; init; } = 5000;

    /// <summary>A fixed batching window (Lambda's MaximumBatchingWindow): wait this long for more records once a read returned some (default 0).</summary>
    public TimeSpan MaximumBatchingWindow { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// The bound of the adaptive batching window (default 100 ms; zero: off). While a shard's batch is being applied, the
    /// next batch keeps reading what arrives, for up to this long after its first record: under load batches grow to what
    /// arrived during the previous apply (fewer, larger multi-table writes), while an idle shard's records go at once, so
    /// latency at low rates does not grow. The window each batch used: metric <c>eventledger.streams.batching_window</c>.
    /// </summary>
    public TimeSpan AdaptiveBatchingWindow { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Under load, the shortest time between the starts of two batches of a shard (default 40 ms; zero: off; at most
    /// <see cref="AdaptiveBatchingWindow"/>). When a shard's batch held more than one record (and was not full), the next
    /// one waits this long and for the previous batch to be applied, then reads once: at 100 commands/s batches hold about
    /// four commands, and the group's GetRecords, BatchGetItem and BatchWriteItem are paid once per batch, not once per
    /// poll. Batches of one record (low rates) and full ones (catch-up) are not paced; the window a paced batch waited is
    /// in <c>eventledger.streams.batching_window</c>.
    /// </summary>
    public TimeSpan LoadedBatchInterval { get; init; } = TimeSpan.FromMilliseconds(40);
    public int MaximumRetryAttempts { get; init; } = 5;
    public TimeSpan? MaximumRecordAge { get; init; }
    public bool BisectBatchOnFunctionError { get; init; } = true;

    /// <summary>Lanes per shard; records are laned by invoice so each invoice keeps its order.</summary>
    public int ParallelizationFactor { get; init; } = 1;

    /// <summary>Idle wait between reads of a caught-up shard (25 ms keeps command-to-read-model p50 low).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(25);

    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Shortest time between two checkpoint writes per subscription and shard (default 1 s; zero: after every
    /// batch). Stops, lost leases and shard ends always write; after a crash up to this much is delivered again, which the
    /// read models' per-row version guards make harmless. Analytics commits its checkpoint with its rows regardless.</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Read a shard's next batch while the current one is applied (one batch ahead; default true).</summary>
    public bool ReadAhead { get; init; } = true;

    /// <summary>
    /// Feed the live versions of the DynamoDB read models together from one read of each shard, with one multi-table
    /// BatchGetItem and BatchWriteItem per batch (default true, ADR 0016). False gives every version its own subscription
    /// as before (ADR 0004); the benchmarks compare the two.
    /// </summary>
    public bool GroupLiveReadModels { get; init; } = true;

    /// <summary>
    /// Most stream records the shared page cache keeps (default 10,000; 0 turns sharing off): the subscriptions of one host
    /// that read a shard at the same position get one GetRecords page between them. What it holds is live heap, so it is
    /// bounded by count as well as by <see cref="SharedPageLifetime"/>.
    /// </summary>
    public int SharedPageRecords { get; init; } = 10_000;

    /// <summary>
    /// How long a shared page stays for the subscriptions that have not read it yet (default 2 s). Caught-up readers of a
    /// shard ask for a page within a poll interval and a batch of each other (tens of ms); one further behind reads for
    /// itself. Each second of lifetime keeps a second of the stream's decoded records on the heap (30 s did, before: most
    /// of the server's live heap at 200 commands/s; 5 s until 2026-12-03, ~1,000 records at that rate).
    /// </summary>
    public TimeSpan SharedPageLifetime { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Identity of this host in the lease table (unique per process by default).</summary>
    public string? OwnerId { get; init; }

    /// <summary>Which read models this host runs (null: all).</summary>
    public IReadOnlySet<string>? ReadModels { get; init; }

    public string LeaseTable => TablePrefix + "leases";
    public string DeadLetterTable => TablePrefix + "dead-letters";
}
