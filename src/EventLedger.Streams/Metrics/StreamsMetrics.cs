using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace EventLedger.Streams.Metrics;

/// <summary>
/// Instruments of the Meter <c>EventLedger.Streams</c>, created through the host's <see cref="IMeterFactory"/> (one instance
/// per service provider; a subscription built without one uses <see cref="Unhosted"/>, a meter of its own). Tags:
/// <c>subscription</c>, <c>shard</c> (and <c>reason</c> on dead letters). The lag gauge reports, per shard this process reads,
/// now − ApproximateCreationDateTime of the last processed record (0 when caught up at the tip).
/// </summary>
public sealed class StreamsMetrics
{
    public const string MeterName = "EventLedger.Streams";

    private readonly ConcurrentDictionary<ShardProgress, byte> _shards = new();

    public StreamsMetrics(IMeterFactory? meters)
    {
        var meter = meters?.Create(MeterName, "1.0") ?? new Meter(MeterName, "1.0");
        RecordsProcessed = meter.CreateCounter<long>("eventledger.streams.records_processed", "{record}", "Records handed to the processor and completed.");
        Batches = meter.CreateCounter<long>("eventledger.streams.batches", "{batch}", "Processor invocations that completed.");
        Retries = meter.CreateCounter<long>("eventledger.streams.retries", "{retry}", "Processor invocations that failed and were retried or bisected.");
        Pauses = meter.CreateCounter<long>("eventledger.streams.pauses", "{attempt}", "Batches retried because the processor's store was unavailable (not counted as failures).");
        DeadLetters = meter.CreateCounter<long>("eventledger.streams.dead_letters", "{record}", "Records parked in the dead-letter store.");
        Throttles = meter.CreateCounter<long>("eventledger.streams.throttles", "{request}", "Streams requests rejected for rate.");
        ExpiredIterators = meter.CreateCounter<long>("eventledger.streams.expired_iterators", "{iterator}", "Shard iterators re-acquired after expiring.");
        TrimmedDataResets = meter.CreateCounter<long>("eventledger.streams.trimmed_data_resets", "{reset}", "Reads that found their position trimmed and moved to TRIM_HORIZON (records were lost).");
        CheckpointWrites = meter.CreateCounter<long>("eventledger.streams.checkpoint_writes", "{write}", "Checkpoints written to the checkpoint store (at most one per CheckpointInterval per shard, plus stops and shard ends).");
        BatchDuration = meter.CreateHistogram<double>("eventledger.streams.batch_duration", "ms", "Processor time per completed batch.");
        BatchingWindow = meter.CreateHistogram<double>("eventledger.streams.batching_window", "ms",
            "How long a batch kept gathering records after its first one arrived (the adaptive batching window chosen for it).");
        BatchRecords = meter.CreateHistogram<long>("eventledger.streams.batch_records", "{record}", "Records per batch handed to the processor.");
        meter.CreateObservableGauge("eventledger.streams.iterator_age", ObserveLag, "ms", "How far behind the tip each shard's processing is.");
    }

    /// <summary>The instruments of subscriptions built without an <see cref="IMeterFactory"/> (tests, tools).</summary>
    public static StreamsMetrics Unhosted { get; } = new(null);

    public Counter<long> RecordsProcessed { get; }
    public Counter<long> Batches { get; }
    public Counter<long> Retries { get; }
    public Counter<long> Pauses { get; }
    public Counter<long> DeadLetters { get; }
    public Counter<long> Throttles { get; }
    public Counter<long> ExpiredIterators { get; }
    public Counter<long> TrimmedDataResets { get; }
    public Counter<long> CheckpointWrites { get; }
    public Histogram<double> BatchDuration { get; }
    public Histogram<double> BatchingWindow { get; }
    public Histogram<long> BatchRecords { get; }

    internal void Track(ShardProgress progress) => _shards[progress] = 0;

    internal void Untrack(ShardProgress progress) => _shards.TryRemove(progress, out _);

    internal static KeyValuePair<string, object?> Subscription(string name) => new("subscription", name);

    internal static KeyValuePair<string, object?> Shard(string shardId) => new("shard", shardId);

    private IEnumerable<Measurement<long>> ObserveLag() =>
        _shards.Keys.Select(p => new Measurement<long>(p.LagMilliseconds, Subscription(p.Subscription), Shard(p.ShardId)));
}
