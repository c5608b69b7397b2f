using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.EventStore.Events;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.IntegrationTests.Rebuild;
using EventLedger.Projections;
using EventLedger.Projections.Common;
using EventLedger.Projections.DynamoDb;
using EventLedger.Projections.DynamoDb.Group;
using EventLedger.Projections.InvoiceTotals;
using EventLedger.Projections.InvoiceTransactions;
using EventLedger.Projections.Tests.Support;

namespace EventLedger.IntegrationTests.Projections;

/// <summary>The four DynamoDB read models against DynamoDB Local: the sample, redelivery, overlap, begins_with and a hot invoice.</summary>
[Collection(StackCollection.Name)]
public sealed class DynamoDbReadModelsTests(StackFixture fixture) : IAsyncLifetime
{
    private readonly List<ReadModelStore> _stores = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DeleteTablesAsync();
        }
    }

    [Fact]
    public async Task Sample_events_give_the_samples_expected_read_models()
    {
        var store = await NewStoreAsync("sample");
        var events = SampleInvoices.Events();

        await store.ApplyAsync(events);

        foreach (var expected in SampleInvoices.ExpectedInvoiceTotals())
        {
            var row = await store.Totals.GetAsync(expected.InvoiceNumber);
            Assert.NotNull(row);
            Assert.Equal((expected.Total, expected.Currency, expected.TransactionCount), (row.Total, row.Currency, row.TransactionCount));
            Assert.Equal(events.Last(e => e.StreamId == expected.InvoiceNumber).RecordedAt, row.UpdatedAt);
        }

        foreach (var invoice in SampleInvoices.ExpectedCountryCounts().GroupBy(c => c.InvoiceNumber))
        {
            var rows = await store.Countries.ListAsync(invoice.Key);
            Assert.Equal(
                invoice.Select(e => (e.Country, e.Verifier, e.TransactionCount, e.VerifiedTransactionCount)).OrderBy(x => x.Country, StringComparer.Ordinal),
                rows.Select(r => (r.Country, r.Verifier, r.TransactionCount, r.VerifiedTransactionCount)));
        }

        var (prefixInvoice, prefix, ids) = SampleInvoices.ExpectedPrefixQuery();
        var listed = await store.Transactions.ListAsync(prefixInvoice, prefix);
        Assert.Equal(ids, listed.Select(r => r.TransactionId));
        Assert.Equal("Vendor1 Inc", JsonDocument.Parse(listed[0].Document!).RootElement.GetProperty("Vendor Name").GetString());

        var history = await store.History.ListAsync("1212121");
        Assert.Equal([1L, 2L, 3L, 4L], history.Select(h => h.Version));
        Assert.Equal(events.Where(e => e.StreamId == "1212121").Select(InvoiceHistoryRowOf), history);

        Assert.Null(await store.Totals.GetAsync("no-such-invoice"));
        Assert.Empty(await store.Countries.ListAsync("no-such-invoice"));
    }

    [Fact]
    public async Task Tables_match_the_pure_folds()
    {
        var store = await NewStoreAsync("folds");
        var events = MixedLog().Events;

        await store.ApplyAsync(events);

        await AssertMatchesFoldsAsync(store, events);
    }

    [Fact]
    public async Task A_whole_batch_applied_twice_leaves_identical_tables()
    {
        var store = await NewStoreAsync("twice");
        var events = MixedLog().Events;

        await store.ApplyAsync(events);
        var once = await store.SnapshotAsync();
        await store.ApplyAsync(events);
        var twice = await store.SnapshotAsync();

        AssertSameSnapshots(once, twice);
    }

    [Fact]
    public async Task An_overlapping_batch_ends_as_applying_each_event_once()
    {
        var log = new EventLog();
        log.On("ov").Assign("USA", "alice").Record("t1", 10m, "USA").Record("t2", 20m, "UK").Adjust("t1", 15m)
            .Unassign("USA").Record("t3", 30m, "USA").Void("t2").Assign("UK", "bob"); // versions 1..8
        var all = log.Events;
        var straight = await NewStoreAsync("straight");
        var overlapped = await NewStoreAsync("overlap");

        await straight.ApplyAsync(all);
        await overlapped.ApplyAsync([.. all.Where(e => e.Version <= 5)]);
        await overlapped.ApplyAsync([.. all.Where(e => e.Version >= 3)]);

        AssertSameSnapshots(await straight.SnapshotAsync(), await overlapped.SnapshotAsync());
        await AssertMatchesFoldsAsync(overlapped, all);
        var totals = await overlapped.Totals.GetAsync("ov");
        Assert.Equal((45m, 2L, 8L), (totals!.Total, totals.TransactionCount, totals.LastAppliedVersion));
    }

    [Fact]
    public async Task An_older_batch_after_a_newer_one_changes_nothing()
    {
        var store = await NewStoreAsync("older");
        var events = MixedLog().Events;
        await store.ApplyAsync(events);
        var before = await store.SnapshotAsync();

        await store.ApplyAsync([.. events.Where(e => e.Version <= 3)]);

        AssertSameSnapshots(before, await store.SnapshotAsync());
    }

    [Fact]
    public async Task Transactions_are_listed_by_prefix_with_begins_with_and_voided_ones_hidden_unless_asked()
    {
        var store = await NewStoreAsync("prefix");
        var log = new EventLog();
        log.On("p").Record("A-1", 1m, "USA").Record("A-2", 2m, "USA").Record("AB-1", 3m, "USA").Record("B-1", 4m, "USA").Void("A-2");
        log.On("q").Record("A-9", 9m, "USA");
        await store.ApplyAsync(log.Events);

        async Task<IEnumerable<string>> Ids(string? prefix, bool includeVoided = false) =>
            (await store.TransactionsAsync("p", prefix, includeVoided)).Select(r => r.TransactionId);

        Assert.Equal(["A-1"], await Ids("A-"));
        Assert.Equal(["A-1", "A-2"], await Ids("A-", includeVoided: true));
        Assert.Equal(["A-1", "AB-1"], await Ids("A"));
        Assert.Equal(["A-1", "AB-1", "B-1"], await Ids(null));
        Assert.Equal(["A-1", "A-2", "AB-1", "B-1"], await Ids("", includeVoided: true));
        Assert.Empty(await Ids("C"));
        var voided = (await store.TransactionsAsync("p", "A-2", includeVoided: true)).Single();
        Assert.Equal((TransactionStatus.Voided, 2m), (voided.Status, voided.Amount));
    }

    [Fact]
    public async Task Listing_follows_every_page()
    {
        var store = await NewStoreAsync("pages");
        var log = new EventLog();
        // 40 transactions with ~40 KB documents: ~1.6 MB, more than one 1 MB query page.
        using var doc = JsonDocument.Parse(JsonSerializer.Serialize(new { filler = new string('x', 40_000) }));
        for (var i = 0; i < 40; i++)
        {
            log.On("big").Record($"T-{i:D3}", i, "USA", document: doc.RootElement.Clone());
        }

        await store.ApplyAsync(log.Events);

        var page = await fixture.DynamoDb.QueryAsync(new QueryRequest
        {
            TableName = store.TableName(InvoiceTransactionsProjection.ProjectionName),
            KeyConditionExpression = "invoiceNumber = :i",
            ExpressionAttributeValues = new() { [":i"] = new AttributeValue { S = "big" } },
        });
        Assert.NotNull(page.LastEvaluatedKey); // the query really pages
        Assert.Equal(40, (await store.Transactions.ListAsync("big", "T-")).Count);
        Assert.Equal(40, (await store.History.ListAsync("big")).Count);
    }

    [Fact]
    public async Task A_hot_invoice_of_2000_events_in_batches_of_500_ends_correct()
    {
        var store = await NewStoreAsync("hot");
        var log = HotInvoice("hot", 2_000, seed: 7);
        var events = log.Events;

        foreach (var batch in events.Chunk(500))
        {
            await store.ApplyAsync(batch);
        }

        await AssertMatchesFoldsAsync(store, events);
        var live = log.TransactionsOf("hot").Values.Where(t => !t.Voided).ToList();
        var totals = await store.Totals.GetAsync("hot");
        Assert.Equal((live.Sum(t => t.Amount), (long)live.Count, 2_000L), (totals!.Total, totals.TransactionCount, totals.LastAppliedVersion));
        var history = await store.History.ListAsync("hot");
        Assert.Equal(Enumerable.Range(1, 2_000).Select(v => (long)v), history.Select(h => h.Version));
    }

    [Fact]
    public async Task Through_the_group_batches_of_more_rows_than_one_read_end_as_the_pure_folds_and_a_redelivery_changes_nothing()
    {
        // Catch-up sized batches: 1,000 events of a hot invoice touch hundreds of rows, read in several 100-key BatchGetItem
        // calls across the four tables and written in many 25-item BatchWriteItem calls.
        var store = await NewStoreAsync("group");
        var events = HotInvoice("hot-g", 2_500, seed: 11).Events.Concat(MixedLog().Events).ToList();
        var group = new DynamoDbReadModelGroup(store.DynamoDb);
        var members = ReadModelCatalog.DynamoDb.Select(r => r.GroupMember(store.TableName(r.Name))).ToList();

        foreach (var batch in events.Chunk(1_000))
        {
            var plans = await group.ApplyAsync(members, batch, CancellationToken.None);
            Assert.True(plans.Sum(p => p.KeysToRead.Count) > 100 || batch.Length < 1_000);
            Assert.All(plans, p => Assert.Empty(p.Failed));
        }

        await AssertMatchesFoldsAsync(store, events);
        var once = await store.SnapshotAsync();
        await group.ApplyAsync(members, events, CancellationToken.None);
        AssertSameSnapshots(once, await store.SnapshotAsync());
    }

    [Fact]
    public async Task A_read_failing_in_a_group_batch_fails_it_after_the_writes_already_sent_and_applying_it_again_ends_as_the_pure_folds()
    {
        // The group overlaps its calls (invoice-history is written while the other members' rows are read): a failed read
        // must not leave writes running after the batch has failed, since the host applies the batch again at once. The
        // read fails while a write is held, and the held writes go on once it has failed.
        var store = await NewStoreAsync("group-fail");
        var events = HotInvoice("hot-f", 600, seed: 5).Events.Concat(MixedLog().Events).ToList();
        var (client, faults) = FailingDynamoDb.Around(store.DynamoDb);
        faults.FailNextBatchGetWhileWriting();
        var members = ReadModelCatalog.DynamoDb.Select(r => r.GroupMember(store.TableName(r.Name))).ToList();

        await Assert.ThrowsAsync<InternalServerErrorException>(
            () => new DynamoDbReadModelGroup(client).ApplyAsync(members, events, CancellationToken.None));

        Assert.Equal(1, faults.Injected);
        Assert.True(faults.BatchWrites.Sent > 0, "no write was sent before the read failed: nothing overlapped");
        Assert.Equal(0, faults.BatchWrites.InFlight);
        await new DynamoDbReadModelGroup(store.DynamoDb).ApplyAsync(members, events, CancellationToken.None);
        await AssertMatchesFoldsAsync(store, events);
    }

    [Fact]
    public async Task Creating_the_tables_again_is_a_no_op_and_they_have_no_stream()
    {
        var store = await NewStoreAsync("create");
        await store.ApplyAsync(SampleInvoices.Events());

        await ReadModelStore.CreateAsync(fixture.DynamoDb, store.Prefix);

        foreach (var name in ReadModelCatalog.DynamoDb.Select(r => r.Name))
        {
            var table = (await fixture.DynamoDb.DescribeTableAsync(store.TableName(name))).Table;
            Assert.NotEqual(true, table.StreamSpecification?.StreamEnabled);
            Assert.Equal(BillingMode.PAY_PER_REQUEST, table.BillingModeSummary?.BillingMode);
        }

        Assert.Equal(1100m, (await store.Totals.GetAsync("1212121"))!.Total);
        Assert.Equal($"{store.Prefix}invoice-totals-v1", store.TableName(InvoiceTotalsProjection.ProjectionName));
    }

    [Fact]
    public async Task A_rebuild_target_is_a_separate_table_beside_the_live_one()
    {
        var store = await NewStoreAsync("versions");
        await store.ApplyAsync(SampleInvoices.Events());
        var next = new ReadModelTable(store.Prefix, InvoiceTotalsProjection.ProjectionName, 2);

        var readModel = new InvoiceTotalsProjection();
        await readModel.Table(next.TableName).CreateIfNotExistsAsync(fixture.DynamoDb, CancellationToken.None);
        var projection = readModel.CreateProjection(fixture.DynamoDb, next.TableName);
        try
        {
            await projection.ApplyAsync(new([.. SampleInvoices.Events().Where(e => e.StreamId == "1212123")], null), CancellationToken.None);

            var v2 = new DynamoDbRows<InvoiceTotalsRow>(fixture.DynamoDb, next.TableName);
            Assert.Equal(1000m, (await v2.GetAsync("1212123"))!.Total);
            Assert.Null(await v2.GetAsync("1212121"));
            Assert.Equal(1100m, (await store.Totals.GetAsync("1212121"))!.Total);
        }
        finally
        {
            await readModel.Table(next.TableName).DeleteIfExistsAsync(fixture.DynamoDb, CancellationToken.None);
        }
    }

    private async Task<ReadModelStore> NewStoreAsync(string name, ProjectionWriteOptions? options = null)
    {
        var store = await ReadModelStore.CreateAsync(fixture.DynamoDb, StackFixture.NewPrefix(name), options);
        _stores.Add(store);
        return store;
    }

    /// <summary>The sample plus adjustments, voids and verifier changes on several invoices.</summary>
    private static EventLog MixedLog()
    {
        var log = new EventLog();
        foreach (var e in SampleInvoices.Events())
        {
            log.Append(e.StreamId, e.Data);
        }

        log.On("1212121").Adjust("Client1_trans2xxxx", 450.5m).Void("Client1_trans1xxxx").Unassign("USA").Record("Client1_trans3xxxx", 0m, "USA");
        log.On("1212122").Record("Client2_trans2xxx", -12.3456m, "UK").Assign("UK", "other@co.uk").Void("Client2_trans1xxx");
        log.On("1212124").Assign("France", "fr@admin").Record("x", 1m, "France").Adjust("x", 2m).Adjust("x", 3m).Void("x");
        return log;
    }

    /// <summary>One invoice with many events: ~55% records, adjustments, voids and verifier changes over a few countries.</summary>
    private static EventLog HotInvoice(string invoiceNumber, int count, int seed)
    {
        var random = new Random(seed);
        var log = new EventLog();
        var invoice = log.On(invoiceNumber);
        string[] countries = ["USA", "UK", "China", "India"];
        var n = 0;
        while (log.Events.Count < count)
        {
            var live = log.TransactionsOf(invoiceNumber).Where(t => !t.Value.Voided).Select(t => t.Key).ToList();
            var country = countries[random.Next(countries.Length)];
            var roll = random.Next(100);
            if (roll < 55 || live.Count == 0)
            {
                invoice.Record($"TX-{n++:D5}", random.Next(-1_000_00, 10_000_00) / 100m, country);
            }
            else if (roll < 80)
            {
                invoice.Adjust(live[random.Next(live.Count)], random.Next(0, 5_000_0000) / 10_000m);
            }
            else if (roll < 92)
            {
                invoice.Void(live[random.Next(live.Count)]);
            }
            else if (log.VerifiersOf(invoiceNumber).ContainsKey(country))
            {
                invoice.Unassign(country);
            }
            else
            {
                invoice.Assign(country, $"owner-{random.Next(3)}@{country}");
            }
        }

        return log;
    }

    /// <summary>The DynamoDB tables hold exactly what the pure folds compute from the same events.</summary>
    private static async Task AssertMatchesFoldsAsync(ReadModelStore store, IReadOnlyList<StoredEvent> events)
    {
        var totals = Tables.Totals(events);
        var countries = Tables.Countries(events);
        var transactions = Tables.Transactions(events);
        foreach (var invoice in events.Select(e => e.StreamId).Distinct())
        {
            Assert.Equal(totals[invoice], await store.Totals.GetAsync(invoice));
            Assert.Equal(
                countries.Values.Where(r => r.InvoiceNumber == invoice).OrderBy(r => r.Country, StringComparer.Ordinal),
                await store.Countries.ListAsync(invoice));
            Assert.Equal(
                transactions.Values.Where(r => r.InvoiceNumber == invoice).OrderBy(r => r.TransactionId, StringComparer.Ordinal),
                await store.Transactions.ListAsync(invoice));
            Assert.Equal(
                events.Where(e => e.StreamId == invoice).OrderBy(e => e.Version).Select(InvoiceHistoryRowOf),
                await store.History.ListAsync(invoice));
        }
    }

    private static EventLedger.Projections.InvoiceHistory.InvoiceHistoryRow InvoiceHistoryRowOf(StoredEvent e) =>
        EventLedger.Projections.InvoiceHistory.InvoiceHistoryProjection.ToRow(e);

    private static void AssertSameSnapshots(
        IReadOnlyDictionary<string, IReadOnlyList<string>> expected, IReadOnlyDictionary<string, IReadOnlyList<string>> actual)
    {
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (table, items) in expected)
        {
            Assert.True(items.Count > 0, $"{table} is empty");
            Assert.Equal(items, actual[table]);
        }
    }
}
