using System.Diagnostics.Metrics;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.Streams.Checkpoints;
using EventLedger.Streams.Client;
using EventLedger.Streams.Client.Model;
using EventLedger.Streams.Metrics;
using Xunit.Abstractions;
using Record = EventLedger.Streams.Client.Model.Record;

namespace EventLedger.IntegrationTests.Streams;

/// <summary>The reader end to end against DynamoDB Local: one real stream, real leases, checkpoints and dead letters.</summary>
[Collection(StackCollection.Name)]
public sealed class StreamSubscriptionTests(StackFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly string[] Keys = [.. Enumerable.Range(1, 12).Select(i => $"inv-{i:00}")];
    private readonly StreamsHarness _h = new(fixture, output, "sub");
    private string _arn = "";

    public async Task InitializeAsync() => _arn = await _h.CreateDataTableAsync();

    public async Task DisposeAsync() => await _h.DisposeAsync();

    [Theory]
    [InlineData(100, 1, 0)]
    [InlineData(7, 4, 0)]
    [InlineData(1000, 1, 300)]
    public async Task Every_record_reaches_the_processor_in_order_per_key(int batchSize, int parallelization, int windowMs)
    {
        var processor = new RecordingProcessor();
        using var metrics = new MetricRecorder(StreamsHarness.SubscriptionName);
        await _h.WriteAsync(Keys, 1, 5);

        var subscription = await _h.StartAsync(_h.Streams, _arn, processor, configure: o => o with
        {
            BatchSize = batchSize,
            ParallelizationFactor = parallelization,
            MaximumBatchingWindow = TimeSpan.FromMilliseconds(windowMs),
        });
        await _h.WriteAsync(Keys, 6, 10);

        var expected = RecordingProcessor.Expected(Keys, 1, 10).ToHashSet();
        await Probe.UntilAsync(() => processor.Keys.SetEquals(expected), "all 120 records applied", state: () => $"{processor.Count} applied");
        Assert.Equal(120, processor.Count);
        processor.AssertOrderedPerKey();
        Assert.All(processor.Batches, b => Assert.InRange(b.Records.Count, 1, batchSize));
        if (parallelization > 1)
        {
            Assert.Contains(processor.Batches, b => b.CheckpointSequenceNumber is null);
        }
        else
        {
            Assert.All(processor.Batches, b => Assert.Equal(b.LastSequenceNumber, b.CheckpointSequenceNumber));
        }

        var last = processor.AppliedRecords.Select(a => a.SequenceNumber).MaxBy(s => decimal.Parse(s, System.Globalization.CultureInfo.InvariantCulture))!;
        var shardId = Assert.Single(subscription.GetStatus().Shards).ShardId;
        await Probe.UntilAsync(async () => await _h.Checkpoints.GetAsync(StreamsHarness.SubscriptionName, shardId, default) == last, "the checkpoint at the last record");
        await Probe.UntilAsync(() => subscription.GetStatus().Shards[0] is { LagMilliseconds: 0 } s && s.Checkpoint == last,
            "lag 0 and the status showing the written checkpoint once caught up at the tip");

        var status = subscription.GetStatus();
        Assert.Equal("Running", status.State);
        Assert.Equal(120, status.RecordsProcessed);
        Assert.Equal(0, status.DeadLetterCount);
        var shard = Assert.Single(status.Shards);
        Assert.Equal(("host-a", last, "Processing"), (shard.Owner, shard.Checkpoint, shard.State));
        Assert.Equal(120, metrics.Sum("eventledger.streams.records_processed"));
        Assert.True(metrics.Sum("eventledger.streams.batches") >= 120 / batchSize);
    }

    [Fact]
    public async Task A_restart_resumes_after_the_checkpoint_without_missing_or_repeating_records()
    {
        var first = new RecordingProcessor();
        await _h.WriteAsync(Keys, 1, 3);
        var host = await _h.StartAsync(_h.Streams, _arn, first);
        await Probe.UntilAsync(() => first.Count == 36, "36 records applied by the first run", state: () => $"{first.Count}");
        await host.StopAsync(CancellationToken.None);

        await _h.WriteAsync(Keys, 4, 6);
        var second = new RecordingProcessor();
        await _h.StartAsync(_h.Streams, _arn, second);
        await Probe.UntilAsync(() => second.Count >= 36, "36 new records applied by the second run", state: () => $"{second.Count}");

        Assert.True(second.Keys.SetEquals(RecordingProcessor.Expected(Keys, 4, 6)), "The second run applied exactly versions 4–6.");
        Assert.Equal(36, second.Count);
        second.AssertOrderedPerKey();
        var lease = Assert.Single(await _h.LeasesAsync());
        Assert.Equal("host-a", lease.Owner);
    }

    [Fact]
    public async Task A_batch_that_fails_after_being_applied_is_delivered_again_before_it_is_checkpointed()
    {
        var processor = new RecordingProcessor();
        var failedOnce = 0;
        processor.AfterApply = (batch, _) => batch.Records.Any(r => StreamTables.KeyOf(r) == ("inv-03", 2)) && Interlocked.Exchange(ref failedOnce, 1) == 0
            ? throw new TimeoutException("Crashed after commit, before acknowledging")
            : Task.CompletedTask;
        await _h.WriteAsync(Keys, 1, 3);

        await _h.StartAsync(_h.Streams, _arn, processor, configure: o => o with { BatchSize = 10, BisectBatchOnFunctionError = false });

        await Probe.UntilAsync(() => processor.Keys.SetEquals(RecordingProcessor.Expected(Keys, 1, 3)), "all records applied", state: () => $"{processor.Count}");
        var redelivered = processor.AppliedRecords.Where(a => a.Attempt == 2).ToList();
        Assert.Contains(redelivered, a => (a.Pk, a.Sk) == ("inv-03", 2));
        Assert.All(redelivered, a => Assert.Equal(2, processor.AppliedRecords.Count(x => x.SequenceNumber == a.SequenceNumber)));
        Assert.Equal(36 + redelivered.Count, processor.Count);
        processor.AssertOrderedPerKey();
    }

    [Fact]
    public async Task A_host_that_dies_mid_batch_leaves_that_batch_to_be_delivered_again()
    {
        await _h.WriteAsync(Keys, 1, 2);
        var dying = new RecordingProcessor();
        var host = await _h.StartAsync(_h.Streams, _arn, dying, configure: o => o with { ShutdownGracePeriod = TimeSpan.FromMilliseconds(200) });
        await Probe.UntilAsync(() => dying.Count == 24, "the first 24 records applied", state: () => $"{dying.Count}");
        var shardId = Assert.Single(await _h.LeasesAsync()).ShardId;
        await Probe.UntilAsync(async () => await _h.Checkpoints.GetAsync(StreamsHarness.SubscriptionName, shardId, default) is not null, "a checkpoint");
        var checkpointBefore = await _h.Checkpoints.GetAsync(StreamsHarness.SubscriptionName, shardId, default);

        // Apply the next batch, then hang until the host is torn down: the effects exist but no checkpoint does.
        dying.AfterApply = (_, ct) => Task.Delay(Timeout.Infinite, ct);
        await _h.WriteAsync(Keys, 3, 3);
        await Probe.UntilAsync(() => dying.Count > 24, "the hanging batch applied", state: () => $"{dying.Count}");
        await host.StopAsync(CancellationToken.None);
        Assert.Equal(checkpointBefore, await _h.Checkpoints.GetAsync(StreamsHarness.SubscriptionName, shardId, default));

        var next = new RecordingProcessor();
        await _h.StartAsync(_h.Streams, _arn, next, owner: "host-b");
        await Probe.UntilAsync(() => next.Keys.SetEquals(RecordingProcessor.Expected(Keys, 3, 3)), "version 3 delivered again to the next host", state: () => $"{next.Count}");
        Assert.Equal(12, next.Count);
    }

    [Fact]
    public async Task A_poison_record_is_parked_after_its_retries_while_later_records_flow_and_retry_applies_it_once_fixed()
    {
        var processor = new RecordingProcessor { Poison = k => k == ("inv-05", 2) || k == ("inv-07", 3) };
        await _h.WriteAsync(Keys, 1, 3);

        var subscription = await _h.StartAsync(_h.Streams, _arn, processor, configure: o => o with { MaximumRetryAttempts = 2, BatchSize = 50 });
        await _h.WriteAsync(Keys, 4, 4);

        var healthy = RecordingProcessor.Expected(Keys, 1, 4).Where(k => k != ("inv-05", 2) && k != ("inv-07", 3)).ToHashSet();
        await Probe.UntilAsync(() => processor.Keys.SetEquals(healthy), "every healthy record applied, including later ones", state: () => $"{processor.Count}");
        await Probe.UntilAsync(() => subscription.GetStatus().DeadLetterCount == 2, "two dead letters counted in the status", state: () => $"{subscription.GetStatus().DeadLetterCount}");

        var page = await _h.DeadLetters.ListAsync(StreamsHarness.SubscriptionName);
        Assert.Equal(2, page.Items.Count);
        var poison = Assert.Single(page.Items, d => StreamTables.KeyOf(d.Record) == ("inv-05", 2));
        Assert.Equal("failed", poison.Reason);
        Assert.Equal(3, poison.Attempts);
        Assert.Equal(typeof(InvalidOperationException).FullName, poison.ErrorType);
        Assert.Contains("Poison record inv-05#2", poison.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal("inv-05", poison.Record.Dynamodb.NewImage!["pk"].S);
        Assert.Equal(OperationType.INSERT, poison.Record.EventName);
        Assert.True(poison.FirstFailureAt <= poison.LastFailureAt);

        // Still broken: the retry fails, the dead letter stays with one more attempt.
        var stillBroken = await _h.DeadLetters.RetryAsync(poison.Id);
        Assert.False(stillBroken.Succeeded);
        Assert.Equal(4, (await _h.DeadLetters.GetAsync(poison.Id))!.Attempts);

        // Fixed: the retry applies it and removes it.
        processor.Poison = null;
        var retried = await _h.DeadLetters.RetryAsync(poison.Id);
        Assert.True(retried.Succeeded, retried.Error);
        Assert.Contains(processor.AppliedRecords, a => (a.Pk, a.Sk) == ("inv-05", 2) && a.DeadLetterRetry);
        Assert.Null(await _h.DeadLetters.GetAsync(poison.Id));

        // Discard removes the other one without processing it.
        var other = Assert.Single((await _h.DeadLetters.ListAsync(StreamsHarness.SubscriptionName)).Items);
        Assert.True(await _h.DeadLetters.DiscardAsync(other.Id));
        Assert.False(processor.Has("inv-07", 3));
        Assert.Empty((await _h.DeadLetters.ListAsync(StreamsHarness.SubscriptionName)).Items);
        Assert.False(await _h.DeadLetters.DiscardAsync(other.Id));

        // The shard moved past the parked records.
        await _h.WriteAsync(["inv-05"], 5, 5);
        await Probe.UntilAsync(() => processor.Has("inv-05", 5), "a record written after the parking applied");
    }

    [Fact]
    public async Task Dead_letters_page_and_filter_by_subscription()
    {
        await _h.DeadLetters.EnsureTableAsync(default);
        var now = DateTimeOffset.UtcNow;
        var letters = Enumerable.Range(1, 5).Select(i => new EventLedger.Streams.DeadLetters.DeadLetter
        {
            Id = new(i <= 3 ? "alpha" : "beta", "shardId-1", (i * 10).ToString(System.Globalization.CultureInfo.InvariantCulture)),
            Record = new Record { Dynamodb = new StreamRecord { Keys = StreamTables.Item("k", i), SequenceNumber = (i * 10).ToString(System.Globalization.CultureInfo.InvariantCulture) } },
            Reason = "expired",
            Attempts = 0,
            FirstFailureAt = now,
            LastFailureAt = now,
        }).ToList();
        await _h.DeadLetters.ParkAsync(letters, default);

        var first = await _h.DeadLetters.ListAsync("alpha", pageSize: 2);
        var second = await _h.DeadLetters.ListAsync("alpha", pageSize: 2, first.NextPageToken);
        var all = await _h.DeadLetters.ListAsync(null, pageSize: 10);

        Assert.Equal(["10", "20"], first.Items.Select(d => d.SequenceNumber));
        Assert.NotNull(first.NextPageToken);
        Assert.Equal(["30"], second.Items.Select(d => d.SequenceNumber));
        Assert.Equal(5, all.Items.Count);
        Assert.Equal(3, await _h.DeadLetters.CountAsync("alpha"));
        Assert.Equal(2, await _h.DeadLetters.CountAsync("beta"));
    }

    [Fact]
    public async Task An_expired_iterator_is_reacquired_and_reading_resumes_where_it_stopped()
    {
        using var streams = new StaleIteratorStreams(_h.Streams);
        var processor = new RecordingProcessor();
        await _h.WriteAsync(Keys, 1, 2);
        await _h.StartAsync(streams, _arn, processor);
        await Probe.UntilAsync(() => processor.Count == 24, "the first 24 records applied", state: () => $"{processor.Count}");

        streams.ExpireNextIterator();
        await Probe.UntilAsync(() => streams.ExpiredSeen == 1, "DynamoDB Local to reject the stale iterator");
        await _h.WriteAsync(Keys, 3, 4);

        await Probe.UntilAsync(() => processor.Keys.SetEquals(RecordingProcessor.Expected(Keys, 1, 4)), "all records applied after the expiry", state: () => $"{processor.Count}");
        Assert.Equal(48, processor.Count);
        Assert.True(streams.IteratorsAcquired >= 2, "A new iterator was acquired after the expiry.");
        processor.AssertOrderedPerKey();
    }

    [Fact]
    public async Task A_second_host_takes_over_when_the_first_stops_and_nothing_is_missed()
    {
        var a = new RecordingProcessor();
        var b = new RecordingProcessor();
        await _h.WriteAsync(Keys, 1, 2);
        var hostA = await _h.StartAsync(_h.Streams, _arn, a, owner: "host-a");
        await Probe.UntilAsync(() => a.Count == 24, "host A applying the first records", state: () => $"{a.Count}");
        var hostB = await _h.StartAsync(_h.Streams, _arn, b, owner: "host-b");
        await _h.WriteAsync(Keys, 3, 3);
        await Probe.UntilAsync(() => a.Count == 36, "host A applying version 3", state: () => $"{a.Count}");
        Assert.Equal(0, b.Count);

        await hostA.StopAsync(CancellationToken.None);
        await Probe.UntilAsync(async () => (await _h.LeasesAsync()).Single().Owner == "host-b", "host B to take the released lease");
        await _h.WriteAsync(Keys, 4, 5);

        await Probe.UntilAsync(() => b.Keys.SetEquals(RecordingProcessor.Expected(Keys, 4, 5)), "host B applying versions 4–5", state: () => $"{b.Count}");
        Assert.Equal(24, b.Count);
        Assert.Equal("host-b", hostB.GetStatus().Shards.Single().Owner);
    }

    [Fact]
    public async Task When_a_host_stops_renewing_its_lease_expires_and_another_host_takes_over()
    {
        var partitioned = new PartitionableLeaseStore(_h.LeaseStore);
        var a = new RecordingProcessor();
        var b = new RecordingProcessor();
        await _h.WriteAsync(Keys, 1, 1);
        var hostA = await _h.StartAsync(_h.Streams, _arn, a, owner: "host-a", leaseStore: partitioned);
        await Probe.UntilAsync(() => a.Count == 12, "host A applying the first records");
        await _h.StartAsync(_h.Streams, _arn, b, owner: "host-b");

        partitioned.CutOff = true; // host A can no longer reach the lease table: no renewals, no release
        await Probe.UntilAsync(async () => (await _h.LeasesAsync()).Single().Owner == "host-b", "host B to take the expired lease", TimeSpan.FromSeconds(15));
        await Probe.UntilAsync(() => hostA.GetStatus().Shards.All(s => s.State != "Processing"), "host A to give up its shard once its lease ran out",
            state: () => string.Join(",", hostA.GetStatus().Shards.Select(s => s.State)));
        await _h.WriteAsync(Keys, 2, 3);

        await Probe.UntilAsync(() => RecordingProcessor.Expected(Keys, 2, 3).All(b.Keys.Contains), "host B applying versions 2–3", state: () => $"{b.Count}");
        Assert.DoesNotContain(a.AppliedRecords, r => r.Sk > 1);
    }

    private sealed class MetricRecorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<string, long> _sums = [];
        private readonly Lock _gate = new();

        public MetricRecorder(string subscription)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == StreamsMetrics.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "subscription" && (string?)tag.Value == subscription)
                    {
                        lock (_gate)
                        {
                            _sums[instrument.Name] = _sums.GetValueOrDefault(instrument.Name) + value;
                        }
                    }
                }
            });
            _listener.Start();
        }

        public long Sum(string instrument)
        {
            lock (_gate)
            {
                return _sums.GetValueOrDefault(instrument);
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
