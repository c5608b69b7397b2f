using EventLedger.EventStore.Events;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.Projections.Contracts;
using EventLedger.Projections.Search;
using EventLedger.Projections.Tests.Support;

namespace EventLedger.IntegrationTests.Search;

/// <summary>
/// The stream path's write: revisions read by id array, new documents by COPY, existing ones by the guarded upsert, the
/// checkpoint in the same transaction. Each result is compared with a reference schema fed every event in one batch.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class InvoiceSearchWritePathTests(StackFixture fixture) : SearchTestBase(fixture)
{
    /// <summary>
    /// Batch 1 records T1-T6; batch 2 redelivers T1's record, adjusts T2, voids T3, adjusts and voids T4, records T7 and
    /// T8, and records and adjusts T9: new and existing documents, redelivered and fresh events in one batch.
    /// </summary>
    private static (List<StoredEvent> First, List<StoredEvent> Second, List<StoredEvent> All) MixedBatches()
    {
        var log = new EventLog();
        var a = log.On("INV-A");
        var b = log.On("INV-B");
        a.Record("T1", 10, "USA", document: Doc("Vendor1 Inc", "printer", 2)).Record("T2", 20, "USA", document: Doc("Vendor2 GmbH", "desktops", 1))
            .Record("T3", 30, "UK", document: Doc("Vendor3 Ltd", "laptops", 3));
        b.Record("T4", 40, "China", document: Doc("Vendor4 AB", "printer", 1)).Record("T5", 50, "USA").Record("T6", 60, "UK");
        var first = log.Events.ToList();
        var t1Record = first[0];

        a.Adjust("T2", 21).Void("T3").Record("T7", 70, "USA", document: Doc("Vendor7 SA", "monitor", 5));
        b.Adjust("T4", 41).Void("T4").Record("T8", 80, "UK", document: Doc("Vendor8 LLC", "scanner", 2))
            .Record("T9", 90, "USA", document: Doc("Vendor9 Inc", "printer", 4)).Adjust("T9", 91);
        var second = new List<StoredEvent> { t1Record };
        second.AddRange(log.Events.Skip(first.Count));
        return (first, second, log.Events.ToList());
    }

    [Fact]
    public async Task A_batch_mixing_new_and_existing_documents_writes_only_what_changed_and_equals_one_batch_of_everything()
    {
        var (first, second, all) = MixedBatches();
        var projection = new InvoiceSearchProjection(Store);
        await projection.ApplyBatchAsync(new ProjectionBatch(first, new StreamPosition("s", "shard-1", "1")));
        var t1Before = await RowAsync(Store, "INV-A/T1");

        var result = await projection.ApplyBatchAsync(new ProjectionBatch(second, new StreamPosition("s", "shard-1", "2")));

        // T2, T3, T4 continued; T7, T8, T9 new; T1's redelivered record writes nothing (same revision, same modification time).
        Assert.Equal(6, result.DocumentsWritten);
        Assert.Equal(t1Before, await RowAsync(Store, "INV-A/T1"));
        await using (var query = Store.Documents.QuerySession())
        {
            Assert.Equal(21m, (await query.LoadAsync<InvoiceSearchDocument>("INV-A/T2"))!.Amount);
            Assert.Equal(InvoiceSearchStatus.Voided, (await query.LoadAsync<InvoiceSearchDocument>("INV-A/T3"))!.Status);
            var t4 = (await query.LoadAsync<InvoiceSearchDocument>("INV-B/T4"))!;
            Assert.Equal((InvoiceSearchStatus.Voided, 41m, "vendor4 ab"), (t4.Status, t4.Amount, t4.Vendor?.ToLowerInvariant()));
            Assert.Equal(91m, (await query.LoadAsync<InvoiceSearchDocument>("INV-B/T9"))!.Amount);
        }

        Assert.Equal("2", (await new InvoiceSearchCheckpoints(Store).GetAsync("s", "shard-1"))!.SequenceNumber);
        await AssertSameAsReferenceAsync(all);
    }

    [Fact]
    public async Task A_batch_overlapping_the_last_one_writes_only_its_new_events()
    {
        var (first, second, all) = MixedBatches();
        var projection = new InvoiceSearchProjection(Store);
        await projection.ApplyBatchAsync(new ProjectionBatch([.. first, .. second], new StreamPosition("s", "shard-1", "1")));
        var before = await DumpAsync(Store);

        // Everything again, in two overlapping batches: no document is written, the checkpoint still moves.
        Assert.Equal(0, (await projection.ApplyBatchAsync(new ProjectionBatch(all, new StreamPosition("s", "shard-1", "2")))).DocumentsWritten);
        Assert.Equal(0, (await projection.ApplyBatchAsync(new ProjectionBatch(second, new StreamPosition("s", "shard-1", "3")))).DocumentsWritten);

        Assert.Equal(before, await DumpAsync(Store));
        Assert.Equal("3", (await new InvoiceSearchCheckpoints(Store).GetAsync("s", "shard-1"))!.SequenceNumber);
    }

    [Theory]
    [InlineData("before update on {documents}")]
    [InlineData("before insert or update on {checkpoints}")]
    public async Task A_failure_after_the_copy_leaves_neither_the_batch_nor_its_checkpoint(string trigger)
    {
        var (first, second, all) = MixedBatches();
        var projection = new InvoiceSearchProjection(Store);
        await projection.ApplyBatchAsync(new ProjectionBatch(first, new StreamPosition("s", "shard-1", "1")));
        var before = await DumpAsync(Store);

        // A real server-side failure in the middle of the batch: the guarded upsert of the existing documents (after the
        // COPY of the new ones) or the checkpoint's write (after both) raises.
        var on = trigger.Replace("{documents}", Store.DocumentTable, StringComparison.Ordinal)
            .Replace("{checkpoints}", $"{Store.Schema}.mt_doc_searchcheckpoint", StringComparison.Ordinal);
        await ExecuteAsync($"""
            create function {Store.Schema}.fail_batch() returns trigger language plpgsql as $$ begin raise exception 'injected failure'; end $$;
            create trigger fail_batch {on} for each row execute function {Store.Schema}.fail_batch();
            """);
        await Assert.ThrowsAnyAsync<Exception>(() => projection.ApplyBatchAsync(new ProjectionBatch(second, new StreamPosition("s", "shard-1", "2"))));

        Assert.Equal(before, await DumpAsync(Store));
        Assert.Equal("1", (await new InvoiceSearchCheckpoints(Store).GetAsync("s", "shard-1"))!.SequenceNumber);

        // The retry, once the failure is gone, applies the batch once.
        await ExecuteAsync($"drop trigger fail_batch on {on.Split(" on ")[1]}");
        Assert.Equal(6, (await projection.ApplyBatchAsync(new ProjectionBatch(second, new StreamPosition("s", "shard-1", "2")))).DocumentsWritten);
        Assert.Equal("2", (await new InvoiceSearchCheckpoints(Store).GetAsync("s", "shard-1"))!.SequenceNumber);
        await AssertSameAsReferenceAsync(all);
    }

    [Fact]
    public async Task A_new_document_inserted_by_another_writer_during_the_batch_is_resolved_by_the_guarded_upsert()
    {
        var (first, second, all) = MixedBatches();
        var projection = new InvoiceSearchProjection(Store);
        await projection.ApplyBatchAsync(new ProjectionBatch(first, new StreamPosition("s", "shard-1", "1")));

        // Another writer of the same documents (a rebuild's catch-up overlapping the live version, a reader of the parent
        // shard after a split) applies the whole second batch between our read and our COPY: T7, T8 and T9 now exist at
        // the same or newer revisions than ours. (A second writer of the same shard waits instead: a batch locks its
        // shard's checkpoint row first, see CommittedCheckpoints.)
        var other = new InvoiceSearchProjection(Store);
        var raced = 0;
        projection.BeforeCopy = async ct =>
        {
            if (raced++ == 0) await other.ApplyBatchAsync(new ProjectionBatch(second, new StreamPosition("s", "shard-0", "2")), ct);
        };

        var result = await projection.ApplyBatchAsync(new ProjectionBatch(second, new StreamPosition("s", "shard-1", "2")));

        Assert.Equal(1, raced);
        Assert.Equal(0, result.DocumentsWritten);
        Assert.Equal("2", (await new InvoiceSearchCheckpoints(Store).GetAsync("s", "shard-1"))!.SequenceNumber);
        await AssertSameAsReferenceAsync(all);
    }

    [Fact]
    public async Task Every_row_carries_its_stream_version_as_its_revision_and_in_its_document()
    {
        var (first, second, _) = MixedBatches();
        var projection = new InvoiceSearchProjection(Store);
        await projection.ApplyBatchAsync(new ProjectionBatch(first, null));
        await projection.ApplyBatchAsync(new ProjectionBatch(second, null));

        await using var command = DataSource.CreateCommand(
            $"select count(*) from {Store.DocumentTable} where mt_version <> (data ->> 'lastAppliedVersion')::bigint or mt_version is null");
        Assert.Equal(0L, (long)(await command.ExecuteScalarAsync())!);
    }

    private async Task AssertSameAsReferenceAsync(IReadOnlyList<StoredEvent> all)
    {
        var reference = NewStore("ref");
        try
        {
            await reference.MigrateAsync();
            await new InvoiceSearchProjection(reference).ApplyAsync(new ProjectionBatch(all, null), default);
            Assert.Equal(await DumpAsync(reference), await DumpAsync(Store));
        }
        finally
        {
            await reference.DropSchemaAsync();
            await reference.DisposeAsync();
        }
    }

    private static System.Text.Json.JsonElement Doc(string vendor, string item, int quantity) =>
        System.Text.Json.JsonSerializer.SerializeToElement(new Dictionary<string, object>
        {
            ["Vendor Name"] = vendor,
            ["ItemsDesc"] = new[] { new Dictionary<string, object> { [item] = new Dictionary<string, int> { ["Quantity"] = quantity } } },
        });

    private async Task ExecuteAsync(string sql)
    {
        await using var command = DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<string?> RowAsync(InvoiceSearchStore store, string id)
    {
        await using var command = DataSource.CreateCommand($"select mt_version || ' ' || mt_last_modified || ' ' || data::text from {store.DocumentTable} where id = $1");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = id });
        return (string?)await command.ExecuteScalarAsync();
    }

    /// <summary>Every document (id, revision, JSON), in id order.</summary>
    private async Task<List<string>> DumpAsync(InvoiceSearchStore store)
    {
        await using var command = DataSource.CreateCommand($"select id || ' v' || mt_version || ' ' || data::text from {store.DocumentTable} order by id");
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add(reader.GetString(0));
        return rows;
    }
}
