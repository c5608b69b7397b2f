using System.Collections.Concurrent;
using System.Text.Json;
using Amazon.DynamoDBv2.Model;
using EventLedger.Domain.Invoices;
using EventLedger.EventStore;
using EventLedger.EventStore.Append;
using EventLedger.EventStore.Events;
using EventLedger.EventStore.Tables;
using EventLedger.IntegrationTests.Fixtures;

namespace EventLedger.IntegrationTests.EventStore;

[Collection(StackCollection.Name)]
public sealed class EventStoreTests(StackFixture stack) : IAsyncLifetime
{
    private static readonly DateOnly Day = new(2016, 6, 6);
    private InvoiceEventStore _store = null!;

    public async Task InitializeAsync() => _store = await stack.EventStoreAsync(StackFixture.NewPrefix("es"));

    public Task DisposeAsync() => Task.CompletedTask;

    private static TransactionRecorded Recorded(string id, decimal amount) => new(id, amount, "USD", "USA", Day, null, null);

    private async Task<AppendResult> Append(string invoice, IInvoiceEvent e, string? commandId = null, string? transactionId = null)
    {
        var loaded = await _store.LoadAsync(invoice, transactionId ?? InvoiceDecider.TransactionIdOf(e), commandId, default);
        return await _store.AppendAsync(new AppendRequest(loaded.Context, [e], EventMetadata.New(commandId, "tester"), commandId, commandId is null ? null : "fp"), default);
    }

    [Fact]
    public async Task Appended_events_read_back_in_order_with_their_metadata()
    {
        var doc = JsonDocument.Parse("""{"Vendor Name":"Vendor1 Inc","ItemsDesc":[{"laptops":{"Quantity":2}}]}""").RootElement;
        var first = await Append("RT-1", new TransactionRecorded("t1", 100.1234m, "USD", "USA", Day, doc, null), "cmd-rt-1");
        await Append("RT-1", new VerifierAssigned("USA", "admin@com"));
        await Append("RT-1", new TransactionAdjusted("t1", -5m, 100.1234m, "USD", "USA", Day, "fix"));

        var events = await _store.ReadStreamAsync("RT-1").ToListAsync();
        Assert.Equal([1L, 2L, 3L], events.Select(e => e.Version));
        Assert.Equal(["TransactionRecorded", "VerifierAssigned", "TransactionAdjusted"], events.Select(e => e.EventType));
        var recorded = Assert.IsType<TransactionRecorded>(events[0].Data);
        Assert.Equal(100.1234m, recorded.Amount);
        Assert.Equal("Vendor1 Inc", recorded.Document!.Value.GetProperty("Vendor Name").GetString());
        Assert.Equal(first.EventId, events[0].EventId);
        Assert.Equal("cmd-rt-1", events[0].Metadata.CommandId);
        Assert.Equal("tester", events[0].Metadata.Actor);
        Assert.All(events, e => Assert.Equal(1, e.SchemaVersion));

        var tail = await _store.ReadStreamAsync("RT-1", fromVersion: 3).ToListAsync();
        Assert.Equal(3, Assert.Single(tail).Version);
    }

    [Fact]
    public async Task Sixteen_concurrent_writers_end_with_versions_1_to_16_and_losers_are_told_conflict()
    {
        var conflicts = 0;
        var unexpected = new ConcurrentBag<Exception>();
        using var start = new ManualResetEventSlim();
        var writers = Enumerable.Range(1, 16).Select(i => Task.Run(async () =>
        {
            start.Wait();
            while (true)
            {
                try
                {
                    var loaded = await _store.LoadAsync("HOT-1", $"w{i}", null, default);
                    var events = InvoiceDecider.Decide(loaded.Context, new RecordTransaction("HOT-1", $"w{i}", i, "USD", "USA", Day, null));
                    await _store.AppendAsync(new AppendRequest(loaded.Context, events, EventMetadata.New(), null, null), default);
                    return;
                }
                catch (ConcurrencyConflictException)
                {
                    Interlocked.Increment(ref conflicts);
                }
                catch (Exception ex)
                {
                    unexpected.Add(ex);
                    return;
                }
            }
        })).ToList();
        start.Set();
        await Task.WhenAll(writers);

        Assert.Empty(unexpected);
        var events = await _store.ReadStreamAsync("HOT-1").ToListAsync();
        Assert.Equal(Enumerable.Range(1, 16).Select(v => (long)v), events.Select(e => e.Version));
        Assert.Equal(Enumerable.Range(1, 16).Select(i => $"w{i}").Order(), events.Select(e => ((TransactionRecorded)e.Data).TransactionId).Order());
        Assert.True(conflicts > 0, "16 writers racing on one invoice should have produced at least one conflict");
    }

    [Fact]
    public async Task A_stale_append_is_a_conflict_and_writes_nothing()
    {
        await Append("ST-1", Recorded("t1", 1m));
        var stale = await _store.LoadAsync("ST-1", "t2", null, default);
        await Append("ST-1", Recorded("t3", 3m));

        await Assert.ThrowsAsync<ConcurrencyConflictException>(() =>
            _store.AppendAsync(new AppendRequest(stale.Context, [Recorded("t2", 2m)], EventMetadata.New(), null, null), default));

        var events = await _store.ReadStreamAsync("ST-1").ToListAsync();
        Assert.Equal(2, events.Count);
        Assert.Null((await _store.LoadAsync("ST-1", "t2", null, default)).Context.Transaction);
    }

    [Fact]
    public async Task Recording_a_taken_transaction_id_at_the_current_version_is_caught_by_the_write_itself()
    {
        await Append("DUP-1", Recorded("t1", 1m));
        var current = await _store.LoadAsync("DUP-1", transactionId: null, null, default);

        // Decided without reading t1's state (as on a cached head): the write's own condition must refuse it.
        var ex = await Assert.ThrowsAsync<TransactionExistsException>(() =>
            _store.AppendAsync(new AppendRequest(current.Context, [Recorded("t1", 5m)], EventMetadata.New(), null, null), default));
        Assert.Equal("t1", ex.TransactionId);

        // A stale head with a taken id is a plain conflict (the state moved), not a duplicate: the caller must re-read.
        await Append("DUP-1", Recorded("t2", 2m));
        await Assert.ThrowsAsync<ConcurrencyConflictException>(() =>
            _store.AppendAsync(new AppendRequest(current.Context, [Recorded("t1", 5m)], EventMetadata.New(), null, null), default));

        var events = await _store.ReadStreamAsync("DUP-1").ToListAsync();
        Assert.Equal([1m, 2m], events.Select(e => ((TransactionRecorded)e.Data).Amount));
    }

    [Fact]
    public async Task A_retried_command_id_returns_the_first_result_and_the_race_is_detected()
    {
        var first = await Append("ID-1", Recorded("t1", 1m), "cmd-id-1");
        var loaded = await _store.LoadAsync("ID-1", "t9", "cmd-id-1", default);
        Assert.NotNull(loaded.Prior);
        Assert.Equal(first.EventId, loaded.Prior!.Result.EventId);
        Assert.True(loaded.Prior.Result.Replayed);

        // Two requests with the same command id that both decided before either appended: the second must not write.
        var raced = loaded.Context;
        await Assert.ThrowsAsync<DuplicateCommandException>(() =>
            _store.AppendAsync(new AppendRequest(raced, [Recorded("t9", 9m)], EventMetadata.New("cmd-id-1"), "cmd-id-1", "fp"), default));
        Assert.Single(await _store.ReadStreamAsync("ID-1").ToListAsync());
    }

    [Fact]
    public async Task Deciding_reads_the_state_by_key_not_the_stream()
    {
        for (var i = 0; i < 30; i++)
        {
            await Append("BIG-1", Recorded($"t{i}", i));
        }

        var loaded = await _store.LoadAsync("BIG-1", "t17", null, default);
        Assert.Equal(30, loaded.Context.Head.Version);
        Assert.Equal("USD", loaded.Context.Head.Currency);
        Assert.Equal(17m, loaded.Context.Transaction!.Amount);
        Assert.Null((await _store.LoadAsync("BIG-1", "t99", null, default)).Context.Transaction);
    }

    [Fact]
    public async Task An_item_over_400_KB_is_refused_before_anything_is_written()
    {
        var big = JsonDocument.Parse(JsonSerializer.Serialize(new { blob = new string('x', 410 * 1024) })).RootElement;
        var loaded = await _store.LoadAsync("TOO-BIG", "t1", null, default);
        var ex = await Assert.ThrowsAsync<AppendTooLargeException>(() => _store.AppendAsync(
            new AppendRequest(loaded.Context, [new TransactionRecorded("t1", 1m, "USD", "USA", Day, big, null)], EventMetadata.New(), null, null), default));
        Assert.Contains("400 KB", ex.Message);
        Assert.Empty(await _store.ReadStreamAsync("TOO-BIG").ToListAsync());
    }

    [Fact]
    public async Task An_append_over_100_items_is_refused()
    {
        var loaded = await _store.LoadAsync("MANY", null, null, default);
        var events = Enumerable.Range(0, 100).Select(i => (IInvoiceEvent)Recorded($"t{i}", i)).ToList();
        var ex = await Assert.ThrowsAsync<AppendTooLargeException>(() =>
            _store.AppendAsync(new AppendRequest(loaded.Context, events, EventMetadata.New(), null, null), default));
        Assert.Contains("100", ex.Message);
        Assert.Empty(await _store.ReadStreamAsync("MANY").ToListAsync());
    }

    [Fact]
    public async Task Scanning_all_streams_yields_every_event_once_in_version_order_per_invoice()
    {
        for (var inv = 0; inv < 5; inv++)
        {
            for (var t = 0; t < 7; t++)
            {
                await Append($"SCAN-{inv}", Recorded($"t{t}", t));
            }
        }

        var seen = new List<StoredEvent>();
        await foreach (var page in _store.ScanAllAsync(segments: 3, pageSize: 4))
        {
            seen.AddRange(page.Where(e => e.StreamId.StartsWith("SCAN-", StringComparison.Ordinal)));
        }

        Assert.Equal(35, seen.Count);
        foreach (var stream in seen.GroupBy(e => e.StreamId))
        {
            Assert.Equal(Enumerable.Range(1, 7).Select(v => (long)v), stream.Select(e => e.Version));
        }
    }

    [Fact]
    public async Task Creating_the_tables_twice_is_harmless_and_the_events_table_has_a_stream()
    {
        await EventStoreSchema.EnsureCreatedAsync(stack.DynamoDb, _store.Tables, default);
        var arn = await EventStoreSchema.GetStreamArnAsync(stack.DynamoDb, _store.Tables, default);
        Assert.Contains("stream", arn, StringComparison.OrdinalIgnoreCase);
        var described = await stack.DynamoDb.DescribeTableAsync(new DescribeTableRequest { TableName = _store.Tables.Events });
        Assert.Equal("NEW_IMAGE", described.Table.StreamSpecification.StreamViewType.Value);
    }
}
