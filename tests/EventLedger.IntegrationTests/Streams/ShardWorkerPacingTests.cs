using System.Collections.Concurrent;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.Streams.Checkpoints;
using EventLedger.Streams.Client;
using EventLedger.Streams.Leases;
using EventLedger.Streams.Metrics;
using EventLedger.Streams.Reader;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace EventLedger.IntegrationTests.Streams;

/// <summary>
/// A shard worker under load paces its batches (StreamSubscriptionOptions.LoadedBatchInterval): after a batch of more than
/// one record, the next batch waits the interval and the previous apply without polling, then reads once. A shard that goes
/// idle, or whose batches hold one record, polls and hands records over at once as before. In-memory stream and checkpoints,
/// time from a FakeTimeProvider: no DynamoDB, no sleeps.
/// </summary>
public sealed class ShardWorkerPacingTests
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(25);
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(40);

    [Fact]
    public async Task Under_load_the_next_batch_waits_the_loaded_interval_and_reads_once()
    {
        var stream = Shard("k1", "k2");
        var time = new TimerLog();
        var processor = new RecordingProcessor();
        var worker = Start(stream, processor, time);

        await Probe.UntilAsync(() => processor.Batches.Count == 1 && time.Created(Interval) == 1, "the first batch applied and the next one pacing");
        Assert.Equal(1, stream.GetRecordsCalls);

        stream.Append("shard-a", "k1", 2);
        time.Advance(Poll); // a poll interval passes: no read while the batch is paced
        stream.Append("shard-a", "k2", 2);
        stream.Append("shard-a", "k3", 1);
        Assert.Equal(1, stream.GetRecordsCalls);
        time.Advance(Interval - Poll);

        await ThePacedBatchCameInOneReadAsync(processor, stream);
        worker.Abort();
    }

    [Fact]
    public async Task A_paced_batch_waits_for_the_previous_apply_then_reads_once()
    {
        var stream = Shard("k1", "k2");
        var time = new TimerLog();
        var release = new TaskCompletionSource();
        var processor = new RecordingProcessor
        {
            BeforeApply = (batch, ct) => batch.Records.Count == 2 ? release.Task.WaitAsync(ct) : Task.CompletedTask,
        };
        var worker = Start(stream, processor, time);

        await Probe.UntilAsync(() => time.Created(Interval) == 1, "the next batch pacing while the first is applied");
        stream.Append("shard-a", "k1", 2);
        time.Advance(Interval);
        // The interval has passed but the first batch is still applied: the next one waits (up to the adaptive window) and does not read.
        await Probe.UntilAsync(() => time.Created(TimeSpan.FromMilliseconds(60)) == 1, "the wait for the previous apply");
        Assert.Equal(1, stream.GetRecordsCalls);
        stream.Append("shard-a", "k2", 2);
        stream.Append("shard-a", "k3", 1);
        release.SetResult();

        await ThePacedBatchCameInOneReadAsync(processor, stream);
        worker.Abort();
    }

    [Fact]
    public async Task When_the_paced_read_finds_nothing_the_shard_polls_again_and_records_go_at_once()
    {
        var stream = Shard("k1", "k2");
        var time = new TimerLog();
        var processor = new RecordingProcessor();
        var worker = Start(stream, processor, time);

        await Probe.UntilAsync(() => time.Created(Interval) == 1, "the next batch pacing");
        time.Advance(Interval);
        await Probe.UntilAsync(() => stream.GetRecordsCalls == 2 && time.Created(Poll) == 1, "the paced read (empty) and the idle poll after it");

        stream.Append("shard-a", "k1", 2);
        time.Advance(Poll);
        await Probe.UntilAsync(() => processor.Batches.Count == 2, "the record read by the next poll", state: () => $"{processor.Batches.Count} batches, {stream.GetRecordsCalls} reads");
        Assert.Equal([2, 1], processor.Batches.Select(b => b.Records.Count));
        Assert.Equal(1, time.Created(Interval)); // the batch of one record is not paced: its read ahead polls
        worker.Abort();
    }

    [Fact]
    public async Task Batches_of_one_record_are_not_paced()
    {
        var stream = Shard("k1");
        var time = new TimerLog();
        var processor = new RecordingProcessor();
        var worker = Start(stream, processor, time);

        // The read ahead reads at once (empty) and polls every poll interval, as without pacing.
        await Probe.UntilAsync(() => processor.Batches.Count == 1 && stream.GetRecordsCalls == 2 && time.Created(Poll) == 1, "the first batch and an idle poll");
        stream.Append("shard-a", "k1", 2);
        time.Advance(Poll);

        await Probe.UntilAsync(() => processor.Batches.Count == 2, "the next record, one poll interval later");
        Assert.Equal(0, time.Created(Interval));
        worker.Abort();
    }

    /// <summary>The second batch holds the three records that arrived while it was paced, taken by one read.</summary>
    private static async Task ThePacedBatchCameInOneReadAsync(RecordingProcessor processor, FakeDynamoDbStreams stream)
    {
        await Probe.UntilAsync(() => processor.Batches.Count == 2, "the paced batch", state: () => $"{processor.Batches.Count} batches, {stream.GetRecordsCalls} reads");
        Assert.Equal([2, 3], processor.Batches.Select(b => b.Records.Count));
        Assert.Equal(2, stream.GetRecordsCalls); // the first batch's read, then one read for the whole paced batch
    }

    /// <summary>One shard holding version 1 of each of <paramref name="keys"/>.</summary>
    private static FakeDynamoDbStreams Shard(params string[] keys)
    {
        var stream = new FakeDynamoDbStreams();
        stream.AddShard("shard-a");
        foreach (var key in keys) stream.Append("shard-a", key, 1);
        return stream;
    }

    private static ShardWorker Start(IDynamoDbStreams streams, IStreamBatchProcessor processor, TimeProvider time)
    {
        var options = new StreamSubscriptionOptions
        {
            Name = "pacing",
            StreamArn = FakeDynamoDbStreams.StreamArn,
            BatchSize = 100,
            PollInterval = Poll,
            AdaptiveBatchingWindow = TimeSpan.FromMilliseconds(100),
            LoadedBatchInterval = Interval,
            CheckpointInterval = TimeSpan.Zero, // checkpoint after every batch: no checkpoint timers besides the reads' own
        };
        var logger = NullLogger.Instance;
        var metrics = StreamsMetrics.Unhosted;
        var backoff = new Backoff(options.BackoffBase, options.BackoffMax);
        var checkpoints = new MemoryCheckpoints();
        var executor = new BatchExecutor(processor, new DeadLetterParker(null!, options.Name, backoff, time, logger, metrics), options, backoff, time, logger, metrics);
        var context = new ShardWorkerContext(options, streams, FakeDynamoDbStreams.StreamArn, checkpoints,
            new ParentShardGate(checkpoints, options.Name, _ => false), new BatchDispatcher(executor, 1, _ => ""), backoff, time, logger, metrics);
        var worker = new ShardWorker(context, new Lease(options.Name, "shard-a"), new ShardProgress(options.Name, "shard-a", null, time));
        worker.Start();
        return worker;
    }

    /// <summary>A FakeTimeProvider that also counts the timers created per due time (Task.Delay makes one per wait).</summary>
    private sealed class TimerLog : TimeProvider
    {
        private readonly FakeTimeProvider _fake = new();
        private readonly ConcurrentDictionary<TimeSpan, int> _created = new();

        public int Created(TimeSpan dueTime) => _created.GetValueOrDefault(dueTime);

        public void Advance(TimeSpan by) => _fake.Advance(by);

        public override DateTimeOffset GetUtcNow() => _fake.GetUtcNow();

        public override long GetTimestamp() => _fake.GetTimestamp();

        public override long TimestampFrequency => _fake.TimestampFrequency;

        public override TimeZoneInfo LocalTimeZone => _fake.LocalTimeZone;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            var timer = _fake.CreateTimer(callback, state, dueTime, period);
            _created.AddOrUpdate(dueTime, 1, (_, n) => n + 1);
            return timer;
        }
    }

    private sealed class MemoryCheckpoints : ICheckpointStore
    {
        private readonly ConcurrentDictionary<(string, string), string> _saved = new();

        public Task<string?> GetAsync(string subscription, string shardId, CancellationToken cancellationToken) =>
            Task.FromResult(_saved.TryGetValue((subscription, shardId), out var value) ? value : null);

        public Task SaveAsync(string subscription, string shardId, string sequenceNumber, CancellationToken cancellationToken)
        {
            _saved[(subscription, shardId)] = sequenceNumber;
            return Task.CompletedTask;
        }

        public Task MarkShardEndAsync(string subscription, string shardId, CancellationToken cancellationToken) =>
            SaveAsync(subscription, shardId, Checkpoint.ShardEnd, cancellationToken);
    }
}
