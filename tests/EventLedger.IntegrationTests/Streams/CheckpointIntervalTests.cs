using System.Runtime.CompilerServices;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.Streams.Checkpoints;
using EventLedger.Streams.Reader;
using Xunit.Abstractions;

namespace EventLedger.IntegrationTests.Streams;

/// <summary>
/// CheckpointInterval and ReadAhead against DynamoDB Local: checkpoints are held between writes, a stop writes the last one,
/// a crash delivers again exactly what came after the last written checkpoint, and reading one batch ahead keeps the order
/// and loses nothing across pages and an expired iterator.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class CheckpointIntervalTests(StackFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly string[] Keys = [.. Enumerable.Range(1, 12).Select(i => $"inv-{i:00}")];
    private readonly StreamsHarness _h = new(fixture, output, "ckpt");
    private string _arn = "";

    public async Task InitializeAsync() => _arn = await _h.CreateDataTableAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task Checkpoints_wait_for_the_interval_and_a_stop_writes_the_last_one()
    {
        using var writes = new MetricCounter("eventledger.streams.checkpoint_writes", StreamsHarness.SubscriptionName);
        var first = new RecordingProcessor();
        await _h.WriteAsync(Keys, 1, 3);
        var host = await _h.StartAsync(_h.Streams, _arn, first, configure: o => o with { BatchSize = 5, CheckpointInterval = TimeSpan.FromMinutes(5) });
        await Probe.UntilAsync(() => first.Count == 36, "36 records applied", state: () => $"{first.Count}");
        var shardId = Assert.Single(await _h.LeasesAsync()).ShardId;

        Assert.True(first.Batches.Count >= 8, $"{first.Batches.Count} batches");
        Assert.Null(await _h.Checkpoints.GetAsync(StreamsHarness.SubscriptionName, shardId, default));
        Assert.Equal(0, writes.Total);

        await host.StopAsync(CancellationToken.None);
        var last = first.AppliedRecords[^1].SequenceNumber;
        Assert.Equal(last, await _h.Checkpoints.GetAsync(StreamsHarness.SubscriptionName, shardId, default));
        Assert.Equal(1, writes.Total);

        await _h.WriteAsync(Keys, 4, 5);
        var second = new RecordingProcessor();
        await _h.StartAsync(_h.Streams, _arn, second, owner: "host-b", configure: o => o with { CheckpointInterval = TimeSpan.FromMinutes(5) });
        await Probe.UntilAsync(() => second.Count >= 24, "24 new records applied after the restart", state: () => $"{second.Count}");
        Assert.True(second.Keys.SetEquals(RecordingProcessor.Expected(Keys, 4, 5)), "Nothing before the flushed checkpoint was delivered again.");
        Assert.Equal(24, second.Count);
    }

    [Fact]
    public async Task An_idle_shard_writes_its_held_checkpoint_once_the_interval_has_passed()
    {
        var processor = new RecordingProcessor();
        await _h.WriteAsync(Keys, 1, 2);
        await _h.StartAsync(_h.Streams, _arn, processor, configure: o => o with { CheckpointInterval = TimeSpan.FromMilliseconds(300) });
        await Probe.UntilAsync(() => processor.Count == 24, "24 records applied", state: () => $"{processor.Count}");
        var shardId = Assert.Single(await _h.LeasesAsync()).ShardId;
        var last = processor.AppliedRecords[^1].SequenceNumber;

        await Probe.UntilAsync(async () => await _h.Checkpoints.GetAsync(StreamsHarness.SubscriptionName, shardId, default) == last,
            "the held checkpoint written while the shard is idle");
    }

    [Fact]
    public async Task A_crash_between_checkpoints_delivers_again_exactly_what_came_after_the_last_written_checkpoint()
    {
        var options = (Func<StreamSubscriptionOptions, StreamSubscriptionOptions>)(o => o with { BatchSize = 5, CheckpointInterval = TimeSpan.FromMinutes(5) });
        var first = new RecordingProcessor();
        await _h.WriteAsync(Keys, 1, 2);
        var host = await _h.StartAsync(_h.Streams, _arn, first, configure: options);
        await Probe.UntilAsync(() => first.Count == 24, "versions 1–2 applied", state: () => $"{first.Count}");
        await host.StopAsync(CancellationToken.None);
        var shardId = Assert.Single(await _h.LeasesAsync()).ShardId;
        var written = await _h.Checkpoints.GetAsync(StreamsHarness.SubscriptionName, shardId, default);
        Assert.Equal(first.AppliedRecords[^1].SequenceNumber, written);

        // The second host applies versions 3–4 in several batches, then "dies": nothing it would write reaches the store.
        var crashable = new CrashableCheckpointStore(_h.Checkpoints);
        var dying = new RecordingProcessor();
        var second = await _h.StartAsync(_h.Streams, _arn, dying, owner: "host-b", configure: options, checkpoints: crashable);
        await _h.WriteAsync(Keys, 3, 4);
        await Probe.UntilAsync(() => dying.Count == 24, "versions 3–4 applied by the host that will die", state: () => $"{dying.Count}");
        Assert.True(dying.Batches.Count >= 4, $"{dying.Batches.Count} batches");
        crashable.Crashed = true;
        await second.StopAsync(CancellationToken.None);
        Assert.Equal(written, await _h.Checkpoints.GetAsync(StreamsHarness.SubscriptionName, shardId, default));

        // The next host starts at the last written checkpoint: versions 3–4 again, in order, and then version 5.
        var next = new RecordingProcessor();
        await _h.StartAsync(_h.Streams, _arn, next, owner: "host-c", configure: options);
        await _h.WriteAsync(Keys, 5, 5);
        await Probe.UntilAsync(() => next.Keys.SetEquals(RecordingProcessor.Expected(Keys, 3, 5)), "versions 3–5 delivered to the next host", state: () => $"{next.Count}");
        Assert.Equal(36, next.Count);
        AssertStrictlyOrderedPerKey(next);
    }

    [Fact]
    public async Task Reading_ahead_keeps_the_order_and_loses_nothing_across_pages_and_an_expired_iterator()
    {
        using var streams = new StaleIteratorStreams(_h.Streams);
        var processor = new RecordingProcessor();
        var readsDuringApply = CountReadsDuringApply(processor, streams);
        await _h.WriteAsync(Keys, 1, 5);
        await _h.StartAsync(streams, _arn, processor, configure: o => o with { BatchSize = 7, ReadAhead = true });
        await Probe.UntilAsync(() => processor.Count >= 21, "the first batches applied", state: () => $"{processor.Count}");

        streams.ExpireNextIterator();
        await Probe.UntilAsync(() => streams.ExpiredSeen == 1, "DynamoDB Local to reject the stale iterator");
        await _h.WriteAsync(Keys, 6, 10);

        await Probe.UntilAsync(() => processor.Keys.SetEquals(RecordingProcessor.Expected(Keys, 1, 10)), "all 120 records applied", TimeSpan.FromSeconds(60), () => $"{processor.Count}");
        Assert.Equal(120, processor.Count);
        AssertStrictlyOrderedPerKey(processor);
        Assert.True(readsDuringApply.Value > 0, "The next batch was read while a batch was being applied.");
        Assert.All(processor.Batches, b => Assert.InRange(b.Records.Count, 1, 7));
    }

    [Fact]
    public async Task Without_read_ahead_nothing_is_read_while_a_batch_is_applied()
    {
        using var streams = new StaleIteratorStreams(_h.Streams);
        var processor = new RecordingProcessor();
        var readsDuringApply = CountReadsDuringApply(processor, streams);
        await _h.WriteAsync(Keys, 1, 3);
        await _h.StartAsync(streams, _arn, processor, configure: o => o with { BatchSize = 7, ReadAhead = false });

        await Probe.UntilAsync(() => processor.Keys.SetEquals(RecordingProcessor.Expected(Keys, 1, 3)), "all 36 records applied", state: () => $"{processor.Count}");
        Assert.Equal(0, readsDuringApply.Value);
        AssertStrictlyOrderedPerKey(processor);
    }

    /// <summary>Per key, each version exactly once and in increasing order (no redelivery happened).</summary>
    private static void AssertStrictlyOrderedPerKey(RecordingProcessor processor)
    {
        foreach (var group in processor.AppliedRecords.GroupBy(a => a.Pk))
        {
            var versions = group.Select(a => a.Sk).ToList();
            Assert.True(versions.SequenceEqual(versions.Order().Distinct()), $"Key {group.Key}: {string.Join(",", versions)}");
        }
    }

    /// <summary>Counts the applies (each held 120 ms) during which the worker issued a GetRecords call.</summary>
    private static StrongBox<int> CountReadsDuringApply(RecordingProcessor processor, StaleIteratorStreams streams)
    {
        var reads = new StrongBox<int>();
        processor.BeforeApply = async (_, ct) =>
        {
            var before = streams.GetRecordsCalls;
            await Task.Delay(300, ct); // long enough for a read-ahead to be issued even on a loaded machine
            if (streams.GetRecordsCalls > before)
            {
                Interlocked.Increment(ref reads.Value);
            }
        };
        return reads;
    }
}
