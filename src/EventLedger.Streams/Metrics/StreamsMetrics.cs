using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace EventLedger.Streams.Metrics;

/// <summary>
/// Instruments of the Meter <c>EventLedger.Streams</c>. Tags: <c>subscription</c>, <c>shard</c> (and <c>reason</c> on dead letters).
/// The lag gauge reports, per shard this process reads, now − ApproximateCreationDateTime of the last processed record
/// (0 when caught up at the tip).
/// </summary>
public static class StreamsMetrics
{
    public const string MeterName = "EventLedger.Streams";

    private static readonly Meter Meter = new(MeterName, "1.0");
    private static readonly ConcurrentDictionary<ShardProgress, byte> Shards = new();

    public static readonly Counter<long> RecordsProcessed = Meter.CreateCounter<long>("eventledger.streams.records_processed", "{record}", "Records handed to the processor and completed.");
    public static readonly Counter<long> Batches = Meter.CreateCounter<long>("eventledger.streams.batches", "{batch}", "Processor invocations that completed.");
    public static readonly Counter<long> Retries = Meter.CreateCounter<long>("eventledger.streams.retries", "{retry}", "Processor invocations that failed and were retried or bisected.");
    public static readonly Counter<long> Pauses = Meter.CreateCounter<long>("eventledger.streams.pauses", "{attempt}", "Batches retried because the processor's store was unavailable (not counted as failures).");
    public static readonly Counter<long> DeadLetters = Meter.CreateCounter<long>("eventledger.streams.dead_letters", "{record}", "Records parked in the dead-letter store.");
    public static readonly Counter<long> Throttles = Meter.CreateCounter<long>("eventledger.streams.throttles", "{request}", "Streams requests rejected for rate.");
    public static readonly Counter<long> ExpiredIterators = Meter.CreateCounter<long>("eventledger.streams.expired_iterators", "{iterator}", "Shard iterators re-acquired after expiring.");
    public static readonly Counter<long> TrimmedDataResets = Meter.CreateCounter<long>("eventledger.streams.trimmed_data_resets", "{reset}", "Reads that found their position trimmed and moved to TRIM_HORIZON (records were lost).");
    public static readonly Counter<long> CheckpointWrites = Meter.CreateCounter<long>("eventledger.streams.checkpoint_writes", "{write}", "Checkpoints written to the checkpoint store (at most one per CheckpointInterval per shard, plus stops and shard ends).");
    public static readonly Histogram<double> BatchDuration = Meter.CreateHistogram<double>("eventledger.streams.batch_duration", "ms", "Processor time per completed batch.");

    static StreamsMetrics()
    {
        Meter.CreateObservableGauge("eventledger.streams.iterator_age", ObserveLag, "ms", "How far behind the tip each shard's processing is.");
    }

    internal static void Track(ShardProgress progress) => Shards[progress] = 0;

    internal static void Untrack(ShardProgress progress) => Shards.TryRemove(progress, out _);

    internal static KeyValuePair<string, object?> Subscription(string name) => new("subscription", name);

    internal static KeyValuePair<string, object?> Shard(string shardId) => new("shard", shardId);

    private static IEnumerable<Measurement<long>> ObserveLag() =>
        Shards.Keys.Select(p => new Measurement<long>(p.LagMilliseconds, Subscription(p.Subscription), Shard(p.ShardId)));
}
