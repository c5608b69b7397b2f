using EventLedger.IntegrationTests.Fixtures;
using EventLedger.Streams.Checkpoints;
using EventLedger.Streams.DeadLetters;
using Xunit.Abstractions;

namespace EventLedger.IntegrationTests.Streams;

/// <summary>
/// What DynamoDB Local cannot produce (several shards, splits, throttling, trimming, old records), with an in-memory stream.
/// Leases, checkpoints and dead letters are still the real DynamoDB implementations on DynamoDB Local.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class FakeStreamSubscriptionTests(StackFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly StreamsHarness _h = new(fixture, output, "fake");
    private readonly FakeDynamoDbStreams _stream = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Fact]
    public async Task With_an_adaptive_window_the_next_batch_keeps_filling_while_the_previous_one_is_applied()
    {
        _stream.AddShard("shard-a");
        _stream.Append("shard-a", "k1", 1);
        var release = new TaskCompletionSource();
        var applying = new TaskCompletionSource();
        var processor = new RecordingProcessor
        {
            BeforeApply = (batch, ct) =>
            {
                if (!batch.Records.Any(r => r.Dynamodb.Keys!["sk"].N == "1")) return Task.CompletedTask;
                applying.TrySetResult();
                return release.Task.WaitAsync(ct);
            },
        };
        await _h.StartAsync(_stream, FakeDynamoDbStreams.StreamArn, processor, configure: o => o with
        {
            BatchSize = 100,
            PollInterval = TimeSpan.FromMilliseconds(10),
            AdaptiveBatchingWindow = TimeSpan.FromSeconds(60),
        });
        await Probe.UntilAsync(() => applying.Task.IsCompleted, "the first batch to be applied");

        // Records arrive one by one, each read on its own, while the first batch is still being applied.
        for (var v = 2; v <= 6; v++)
        {
            _stream.Append("shard-a", "k1", v);
            var calls = _stream.GetRecordsCalls;
            await Probe.UntilAsync(() => _stream.GetRecordsCalls >= calls + 2, $"record {v} to be read ahead");
        }

        release.SetResult();
        await Probe.UntilAsync(() => processor.Count == 6, "all six records applied", state: () => $"{processor.Count}");
        Assert.Equal([1, 5], processor.Batches.Select(b => b.Records.Count));
    }

    [Fact]
    public async Task Children_start_only_after_their_parent_is_read_to_its_end()
    {
        _stream.AddShard("shard-p");
        for (var v = 1; v <= 6; v++)
        {
            _stream.Append("shard-p", "k1", v);
            _stream.Append("shard-p", "k2", v);
        }

        var processor = new RecordingProcessor
        {
            BeforeApply = (batch, ct) => batch.ShardId == "shard-p" ? Task.Delay(30, ct) : Task.CompletedTask,
        };
        var subscription = await _h.StartAsync(_stream, FakeDynamoDbStreams.StreamArn, processor, configure: o => o with { BatchSize = 2 });
        await Probe.UntilAsync(() => processor.Count >= 2, "the parent shard to be in progress");

        // The parent splits: two children (and a grandchild under c1), found by re-discovery over paged DescribeStream.
        _stream.AddShard("shard-c1", "shard-p");
        _stream.AddShard("shard-c2", "shard-p");
        _stream.AddShard("shard-c1a", "shard-c1");
        _stream.Close("shard-p");
        for (var v = 7; v <= 9; v++)
        {
            _stream.Append("shard-c1", "k1", v);
            _stream.Append("shard-c2", "k2", v);
        }

        _stream.Close("shard-c1");
        _stream.Append("shard-c1a", "k1", 10);
        _stream.Append("shard-c1a", "k1", 11);

        var all = RecordingProcessor.Expected(["k1"], 1, 11).Concat(RecordingProcessor.Expected(["k2"], 1, 9)).ToHashSet();
        await Probe.UntilAsync(() => processor.Keys.SetEquals(all), "every record of parent, children and grandchild", state: () => $"{processor.Count}");

        var applied = processor.AppliedRecords.ToList();
        int Last(string shard) => applied.FindLastIndex(a => a.ShardId == shard);
        int First(string shard) => applied.FindIndex(a => a.ShardId == shard);
        Assert.True(Last("shard-p") < First("shard-c1") && Last("shard-p") < First("shard-c2"), "The parent was finished before either child started.");
        Assert.True(Last("shard-c1") < First("shard-c1a"), "The child was finished before the grandchild started.");
        Assert.Equal(all.Count, applied.Count);
        processor.AssertOrderedPerKey();

        await Probe.UntilAsync(async () => (await _h.LeasesAsync()).Count(l => l.IsShardEnded) == 2, "parent and child leases marked SHARD_END");
        Assert.Equal(Checkpoint.ShardEnd, await _h.Checkpoints.GetAsync(StreamsHarness.SubscriptionName, "shard-p", default));
        await Probe.UntilAsync(() => subscription.GetStatus().Shards.Count(s => s.State == "Ended") == 2, "the status to show the finished shards");
    }

    [Fact]
    public async Task Two_hosts_split_the_shards_and_one_takes_everything_back_when_the_other_stops()
    {
        var shards = Enumerable.Range(0, 4).Select(i => $"shard-{i}").ToList();
        foreach (var shard in shards)
        {
            _stream.AddShard(shard);
        }

        AppendVersions(shards, 1, 5);
        var a = new RecordingProcessor();
        var b = new RecordingProcessor();
        await _h.StartAsync(_stream, FakeDynamoDbStreams.StreamArn, a, owner: "host-a");
        await Probe.UntilAsync(() => a.Count == 20, "host A reading all four shards", state: () => $"{a.Count}");

        var hostB = await _h.StartAsync(_stream, FakeDynamoDbStreams.StreamArn, b, owner: "host-b");
        await Probe.UntilAsync(async () => OwnerCounts(await _h.LeasesAsync()) == "host-a:2,host-b:2", "an even split by stealing", TimeSpan.FromSeconds(20),
            state: () => OwnerCounts(_h.LeasesAsync().GetAwaiter().GetResult()));
        var leases = await _h.LeasesAsync();
        var ofA = leases.Where(l => l.Owner == "host-a").Select(l => l.ShardId).ToList();
        var ofB = leases.Where(l => l.Owner == "host-b").Select(l => l.ShardId).ToList();
        AppendVersions(shards, 6, 10);

        await Probe.UntilAsync(() => Expected(ofA, 6, 10).All(a.Keys.Contains) && Expected(ofB, 6, 10).All(b.Keys.Contains),
            "each host applying the new records of the shards it holds", state: () => $"A {a.Count}, B {b.Count}");
        Assert.True(a.Keys.Union(b.Keys).ToHashSet().SetEquals(Expected(shards, 1, 10)), "Between them the hosts applied every record.");

        await hostB.StopAsync(CancellationToken.None);
        await Probe.UntilAsync(async () => OwnerCounts(await _h.LeasesAsync()) == "host-a:4", "host A taking the released leases back",
            state: () => OwnerCounts(_h.LeasesAsync().GetAwaiter().GetResult()));
        AppendVersions(shards, 11, 12);
        await Probe.UntilAsync(() => Expected(shards, 11, 12).All(a.Keys.Contains), "host A applying the new records of every shard", state: () => $"{a.Count}");
        a.AssertOrderedPerKey();
        b.AssertOrderedPerKey();
    }

    [Fact]
    public async Task Throttled_reads_back_off_and_continue()
    {
        using var metrics = new MetricCounter("eventledger.streams.throttles", StreamsHarness.SubscriptionName);
        _stream.AddShard("shard-0");
        AppendVersions(["shard-0"], 1, 10);
        _stream.ThrottleNext(6);
        var processor = new RecordingProcessor();

        await _h.StartAsync(_stream, FakeDynamoDbStreams.StreamArn, processor, configure: o => o with { BatchSize = 3 });

        await Probe.UntilAsync(() => processor.Count == 10, "all records applied despite throttling", state: () => $"{processor.Count}");
        Assert.Equal(6, _stream.ThrottledCalls);
        Assert.Equal(6, metrics.Total);
        processor.AssertOrderedPerKey();
    }

    [Fact]
    public async Task A_trimmed_checkpoint_is_reported_and_reading_continues_from_the_trim_horizon()
    {
        using var metrics = new MetricCounter("eventledger.streams.trimmed_data_resets", StreamsHarness.SubscriptionName);
        _stream.AddShard("shard-0");
        AppendVersions(["shard-0"], 1, 5);
        var first = new RecordingProcessor();
        var host = await _h.StartAsync(_stream, FakeDynamoDbStreams.StreamArn, first);
        await Probe.UntilAsync(() => first.Count == 5, "the first five records", state: () => $"{first.Count}");
        await host.StopAsync(CancellationToken.None);

        // While the subscription was down, records 6–10 were written and 1–8 fell out of retention.
        AppendVersions(["shard-0"], 6, 10);
        _stream.Trim("shard-0", 8);
        var second = new RecordingProcessor();
        await _h.StartAsync(_stream, FakeDynamoDbStreams.StreamArn, second);

        await Probe.UntilAsync(() => second.Count == 2, "the records still in the stream", state: () => $"{second.Count}");
        Assert.Equal([9, 10], second.AppliedRecords.Select(r => r.Sk));
        Assert.Equal(1, metrics.Total);
    }

    [Fact]
    public async Task Records_older_than_the_maximum_age_are_parked_as_expired()
    {
        _stream.AddShard("shard-0");
        _stream.Append("shard-0", "old", 1, DateTime.UtcNow.AddHours(-3));
        _stream.Append("shard-0", "old", 2, DateTime.UtcNow.AddHours(-2));
        _stream.Append("shard-0", "new", 1);
        var processor = new RecordingProcessor();

        var subscription = await _h.StartAsync(_stream, FakeDynamoDbStreams.StreamArn, processor, configure: o => o with { MaximumRecordAge = TimeSpan.FromHours(1) });

        await Probe.UntilAsync(() => processor.Has("new", 1), "the fresh record applied");
        await Probe.UntilAsync(() => subscription.GetStatus().DeadLetterCount == 2, "two expired records counted", state: () => $"{subscription.GetStatus().DeadLetterCount}");
        var parked = (await _h.DeadLetters.ListAsync(StreamsHarness.SubscriptionName)).Items;
        Assert.All(parked, d => Assert.Equal(DeadLetterReason.Expired, d.Reason));
        Assert.Equal([1, 2], parked.Select(d => StreamTables.KeyOf(d.Record).Sk));
        Assert.False(processor.Has("old", 1));
    }

    [Fact]
    public async Task A_processor_that_commits_its_own_checkpoints_is_resumed_from_them()
    {
        // The processor keeps its checkpoint "in its own transaction" (here: a dictionary written with the effects).
        var committed = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();
        var store = CommittedIn(committed);
        RecordingProcessor Committing() => new()
        {
            AfterApply = (batch, _) =>
            {
                if (batch.CheckpointSequenceNumber is { } checkpoint)
                {
                    committed[batch.ShardId] = checkpoint;
                }

                return Task.CompletedTask;
            },
        };
        _stream.AddShard("shard-0");
        AppendVersions(["shard-0"], 1, 5);
        var first = Committing();
        var host = await _h.StartAsync(_stream, FakeDynamoDbStreams.StreamArn, first, checkpoints: store, configure: o => o with { BatchSize = 2 });
        await Probe.UntilAsync(() => first.Count == 5, "the first five records", state: () => $"{first.Count}");
        await host.StopAsync(CancellationToken.None);

        AppendVersions(["shard-0"], 6, 8);
        var second = Committing();
        await _h.StartAsync(_stream, FakeDynamoDbStreams.StreamArn, second, checkpoints: store);

        await Probe.UntilAsync(() => second.Count == 3, "the three new records", state: () => $"{second.Count}");
        Assert.Equal([6, 7, 8], second.AppliedRecords.Select(r => r.Sk));
        Assert.Null((await _h.LeasesAsync()).Single().Checkpoint);
    }

    [Fact]
    public async Task A_processor_that_finds_its_stored_checkpoint_behind_its_last_commit_is_read_again_from_the_stored_one()
    {
        // A processor that commits its checkpoint with its effects, without waiting for them to be durable (the search read
        // model's synchronous_commit = off): its store can lose the last commits in a crash, effects and checkpoint together.
        var committed = new System.Collections.Concurrent.ConcurrentDictionary<string, string>();
        string? lastCommitted = null;
        var store = CommittedIn(committed);
        var processor = new RecordingProcessor
        {
            BeforeApply = (batch, _) =>
            {
                var stored = committed.TryGetValue(batch.ShardId, out var c) ? c : null;
                if (lastCommitted is not null && stored != lastCommitted)
                {
                    lastCommitted = stored;
                    throw new CheckpointMovedForTest(stored);
                }

                return Task.CompletedTask;
            },
            AfterApply = (batch, _) =>
            {
                committed[batch.ShardId] = lastCommitted = batch.CheckpointSequenceNumber!;
                return Task.CompletedTask;
            },
        };
        _stream.AddShard("shard-0");
        AppendVersions(["shard-0"], 1, 4);
        await _h.StartAsync(_stream, FakeDynamoDbStreams.StreamArn, processor, checkpoints: store, configure: o => o with
        {
            BatchSize = 2,
            RestartsFromStoredCheckpoint = e => e is CheckpointMovedForTest,
        });
        await Probe.UntilAsync(() => processor.Count == 4, "records 1-4", state: () => $"{processor.Count}");

        // The store crashes and comes back without the commit of records 3-4 (their effects would be gone with it).
        committed["shard-0"] = processor.Batches[0].CheckpointSequenceNumber!;
        AppendVersions(["shard-0"], 5, 6);

        await Probe.UntilAsync(() => processor.Count == 8, "records 3-6 after the restart", state: () => string.Join(",", processor.AppliedRecords.Select(r => r.Sk)));
        Assert.Equal([1, 2, 3, 4, 3, 4, 5, 6], processor.AppliedRecords.Select(r => r.Sk));
        Assert.Equal(processor.Batches[^1].CheckpointSequenceNumber, committed["shard-0"]);
        Assert.Empty((await _h.DeadLetters.ListAsync(StreamsHarness.SubscriptionName)).Items);
    }

    /// <summary>Checkpoints a processor commits "in its own transaction" (here: <paramref name="committed"/>, by shard).</summary>
    private static ProcessorCommittedCheckpointStore CommittedIn(System.Collections.Concurrent.ConcurrentDictionary<string, string> committed) => new(
        (_, shard, _) => Task.FromResult(committed.TryGetValue(shard, out var c) ? c : null),
        (_, shard, _) => { committed[shard] = Checkpoint.ShardEnd; return Task.CompletedTask; });

    private sealed class CheckpointMovedForTest(string? stored) : Exception($"the stored checkpoint is {stored}");

    private void AppendVersions(IEnumerable<string> shards, int from, int to)
    {
        for (var v = from; v <= to; v++)
        {
            foreach (var shard in shards)
            {
                _stream.Append(shard, $"key-{shard}", v);
            }
        }
    }

    private static HashSet<(string, int)> Expected(IEnumerable<string> shards, int from, int to) =>
        RecordingProcessor.Expected(shards.Select(s => $"key-{s}"), from, to).ToHashSet();

    private static string OwnerCounts(IReadOnlyList<EventLedger.Streams.Leases.Lease> leases) =>
        string.Join(",", leases.GroupBy(l => l.Owner ?? "none").OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}:{g.Count()}"));
}
