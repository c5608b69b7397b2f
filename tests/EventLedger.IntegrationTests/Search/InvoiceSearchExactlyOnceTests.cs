using EventLedger.EventStore.Events;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.Projections.Contracts;
using EventLedger.Projections.Search;
using EventLedger.ProjectionHost.Hosting;
using EventLedger.Streams.Checkpoints;
using Npgsql;

namespace EventLedger.IntegrationTests.Search;

/// <summary>Redelivery, the checkpoint committing with the documents, and the bulk path agreeing with the stream path.</summary>
[Collection(StackCollection.Name)]
public sealed class InvoiceSearchExactlyOnceTests(StackFixture fixture) : SearchTestBase(fixture)
{
    [Fact]
    public async Task A_batch_applied_twice_changes_nothing_the_second_time()
    {
        var (events, _) = SearchTestData.Generate(seed: 3, transactions: 120);
        var projection = new InvoiceSearchProjection(Store);
        var batch = new ProjectionBatch(events, new StreamPosition("s", "shard-1", "100"));

        var first = await projection.ApplyBatchAsync(batch);
        var before = await DumpAsync(Store);
        var second = await projection.ApplyBatchAsync(batch);

        Assert.True(first.DocumentsWritten > 100);
        Assert.Equal(0, second.DocumentsWritten);
        Assert.Equal(before, await DumpAsync(Store));
        Assert.Equal("100", (await new InvoiceSearchCheckpoints(Store).GetAsync("s", "shard-1"))!.SequenceNumber);
    }

    [Fact]
    public async Task An_older_event_never_overwrites_a_newer_document_even_from_a_writer_that_read_before()
    {
        var (events, _) = SearchTestData.Generate(seed: 4, transactions: 60);
        var voided = events.First(e => e.Data is Domain.Invoices.TransactionVoided);
        var upToVoid = events.Where(e => e.StreamId != voided.StreamId || e.Version <= voided.Version).ToList();
        var projection = new InvoiceSearchProjection(Store);
        await projection.ApplyAsync(new ProjectionBatch(upToVoid, null), default);

        // A stale writer: the document as it was before the void, written with Marten's guard at the older version.
        var recorded = events.Where(e => e.StreamId == voided.StreamId && e.Version < voided.Version).ToList();
        var stale = InvoiceSearchFold.ApplyBatch(new Dictionary<string, InvoiceSearchDocument>(), recorded)
            .Values.Single(d => d.Id.EndsWith("/" + Domain.Invoices.InvoiceDecider.TransactionIdOf(voided.Data), StringComparison.Ordinal));
        await using (var session = Store.Documents.LightweightSession())
        {
            session.TryUpdateRevision(stale, stale.LastAppliedVersion);
            await session.SaveChangesAsync();
        }

        await using var query = Store.Documents.QuerySession();
        var stored = await query.LoadAsync<InvoiceSearchDocument>(stale.Id);
        Assert.Equal(InvoiceSearchStatus.Voided, stored!.Status);
        Assert.Equal(voided.Version, stored.LastAppliedVersion);
    }

    [Fact]
    public async Task A_failure_before_commit_leaves_neither_documents_nor_checkpoint()
    {
        var (events, _) = SearchTestData.Generate(seed: 5, transactions: 40);
        var projection = new InvoiceSearchProjection(Store) { BeforeCommit = (_, _) => throw new InvalidOperationException("injected") };

        await Assert.ThrowsAsync<InvalidOperationException>(() => projection.ApplyBatchAsync(new ProjectionBatch(events, new StreamPosition("s", "shard-1", "7"))));

        Assert.Empty(await DumpAsync(Store));
        Assert.Null(await new InvoiceSearchCheckpoints(Store).GetAsync("s", "shard-1"));
    }

    [Fact]
    public async Task A_backend_killed_before_commit_fails_transiently_and_the_retry_applies_once()
    {
        var (events, _) = SearchTestData.Generate(seed: 6, transactions: 40);
        var projection = new InvoiceSearchProjection(Store)
        {
            BeforeCommit = async (connection, ct) =>
            {
                await using var admin = DataSource.CreateCommand("select pg_terminate_backend($1)");
                admin.Parameters.Add(new NpgsqlParameter { Value = connection.ProcessID });
                await admin.ExecuteScalarAsync(ct);
            },
        };
        var batch = new ProjectionBatch(events, new StreamPosition("s", "shard-1", "9"));

        var failure = await Assert.ThrowsAsync<InvoiceSearchStoreUnavailableException>(() => projection.ApplyBatchAsync(batch));
        Assert.True(((IStoreFailure)failure).IsTransient);
        Assert.Empty(await DumpAsync(Store));

        projection.BeforeCommit = null;
        await projection.ApplyBatchAsync(batch);
        await AssertSameAsAllAppliedOnceAsync(events);
    }

    [Fact]
    public async Task Bulk_loaded_pages_equal_the_stream_path_and_a_page_sent_again_changes_nothing()
    {
        var (events, _) = SearchTestData.Generate(seed: 8, transactions: 300);
        await new InvoiceSearchProjection(Store).ApplyAsync(new ProjectionBatch(events, null), default);

        var bulk = NewStore("bulk");
        try
        {
            await bulk.MigrateAsync();
            var projection = new InvoiceSearchProjection(bulk);

            // Pages in order per invoice; an invoice's events span pages, and the last page is sent twice (a resumed rebuild).
            var pages = events.Chunk(70).ToList();
            foreach (var page in pages) await projection.BulkLoadAsync(page, default);
            Assert.Equal(0, await projection.LoadPageAsync(pages[^1]));

            var expected = await DumpAsync(Store, revisions: false);
            var actual = await DumpAsync(bulk, revisions: false);
            Assert.Equal(expected.Count, actual.Count);
            for (var i = 0; i < expected.Count; i++) Assert.Equal(expected[i], actual[i]);

            // The catch-up after a bulk load overlaps it: everything again through the stream path changes nothing, and
            // read-your-writes sees the same versions.
            Assert.Equal(0, (await projection.ApplyBatchAsync(new ProjectionBatch(events, null))).DocumentsWritten);
            Assert.Equal(expected, await DumpAsync(bulk, revisions: false));
            foreach (var invoice in events.Select(e => e.StreamId).Distinct().Take(10))
            {
                Assert.Equal(await new InvoiceSearchQueries(Store).AppliedVersionAsync(invoice), await new InvoiceSearchQueries(bulk).AppliedVersionAsync(invoice));
            }
        }
        finally
        {
            await bulk.DropSchemaAsync();
            await bulk.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_batch_with_its_checkpoint_commits_without_waiting_for_the_flush_and_one_without_waits()
    {
        var (events, _) = SearchTestData.Generate(seed: 9, transactions: 30);
        var settings = new List<string?>();
        var projection = new InvoiceSearchProjection(Store)
        {
            BeforeCommit = async (connection, ct) =>
            {
                await using var command = new NpgsqlCommand("select current_setting('synchronous_commit')", connection);
                settings.Add((string?)await command.ExecuteScalarAsync(ct));
            },
        };
        var thirds = events.Chunk(events.Count / 3 + 1).ToList();

        // The first batch of the shard sets the commit mode alone; the second also checks the stored checkpoint (same round trip).
        await projection.ApplyBatchAsync(new ProjectionBatch(thirds[0], new StreamPosition("s", "shard-1", "10")));
        await projection.ApplyBatchAsync(new ProjectionBatch(thirds[1], new StreamPosition("s", "shard-1", "20")));
        await projection.ApplyBatchAsync(new ProjectionBatch(thirds[2], null));

        Assert.Equal(["off", "off", "on"], settings);
        Assert.Equal("20", (await new InvoiceSearchCheckpoints(Store).GetAsync("s", "shard-1"))!.SequenceNumber);
    }

    [Fact]
    public async Task Commits_PostgreSQL_lost_are_found_by_the_next_batch_which_writes_nothing_and_applied_again_from_the_stored_checkpoint()
    {
        var (events, _) = SearchTestData.Generate(seed: 10, transactions: 90);
        var batches = events.Chunk(events.Count / 3 + 1).ToList();
        var projection = new InvoiceSearchProjection(Store);
        await projection.ApplyBatchAsync(new ProjectionBatch(batches[0], new StreamPosition("s", "shard-1", "10")));
        await SnapshotAsync();
        var afterFirst = await DumpAsync(Store);
        await projection.ApplyBatchAsync(new ProjectionBatch(batches[1], new StreamPosition("s", "shard-1", "20")));

        // PostgreSQL crashes before flushing the second commit and comes back without it: documents and checkpoint as
        // they were after the first batch, while the host has read past it.
        await RestoreSnapshotAsync();
        Assert.Equal(afterFirst, await DumpAsync(Store));

        var moved = await Assert.ThrowsAsync<InvoiceSearchCheckpointMovedException>(
            () => projection.ApplyBatchAsync(new ProjectionBatch(batches[2], new StreamPosition("s", "shard-1", "30"))));
        Assert.Equal("10", moved.StoredSequenceNumber);
        Assert.True(TransientFailures.RestartsFromStoredCheckpoint(moved));
        Assert.False(TransientFailures.IsTransient(moved));
        Assert.Equal(afterFirst, await DumpAsync(Store));

        // The host reads the shard again from the stored checkpoint: the lost batch, then the next one.
        await projection.ApplyBatchAsync(new ProjectionBatch(batches[1], new StreamPosition("s", "shard-1", "20")));
        await projection.ApplyBatchAsync(new ProjectionBatch(batches[2], new StreamPosition("s", "shard-1", "30")));
        await AssertSameAsAllAppliedOnceAsync(events);
        Assert.Equal("30", (await new InvoiceSearchCheckpoints(Store).GetAsync("s", "shard-1"))!.SequenceNumber);
    }

    [Fact]
    public async Task A_shard_end_is_not_marked_over_commits_PostgreSQL_lost()
    {
        var (events, _) = SearchTestData.Generate(seed: 11, transactions: 40);
        var batches = events.Chunk(events.Count / 2 + 1).ToList();
        var committed = new CommittedCheckpoints();
        var projection = new InvoiceSearchProjection(Store, committed: committed);
        await projection.ApplyBatchAsync(new ProjectionBatch(batches[0], new StreamPosition("s", "shard-1", "10")));
        await SnapshotAsync();
        await projection.ApplyBatchAsync(new ProjectionBatch(batches[1], new StreamPosition("s", "shard-1", "20")));
        await RestoreSnapshotAsync();

        var checkpoints = new InvoiceSearchCheckpoints(Store, committed);
        var moved = await Assert.ThrowsAsync<InvoiceSearchCheckpointMovedException>(
            () => checkpoints.SaveAsync(new StreamPosition("s", "shard-1", Checkpoint.ShardEnd)));

        Assert.Equal("10", moved.StoredSequenceNumber);
        Assert.Equal("10", (await checkpoints.GetAsync("s", "shard-1"))!.SequenceNumber);
    }

    /// <summary>The store holds exactly what applying <paramref name="events"/> once, in one batch, gives in a fresh schema.</summary>
    private async Task AssertSameAsAllAppliedOnceAsync(IReadOnlyList<StoredEvent> events)
    {
        var reference = NewStore("ref");
        try
        {
            await reference.MigrateAsync();
            await new InvoiceSearchProjection(reference).ApplyAsync(new ProjectionBatch(events, null), default);
            Assert.Equal(await DumpAsync(reference), await DumpAsync(Store));
        }
        finally
        {
            await reference.DropSchemaAsync();
            await reference.DisposeAsync();
        }
    }

    /// <summary>Copies the documents and checkpoints aside (what a crash will return to).</summary>
    private async Task SnapshotAsync()
    {
        await using var command = DataSource.CreateCommand(
            $"create table {Store.Schema}.lost_docs as select * from {Store.DocumentTable}; create table {Store.Schema}.lost_checkpoints as select * from {Store.CheckpointTable}");
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Puts the snapshot back, as PostgreSQL's recovery would without the commits it had not flushed.</summary>
    private async Task RestoreSnapshotAsync()
    {
        await using var columns = DataSource.CreateCommand(
            "select string_agg(column_name, ', ' order by ordinal_position) from information_schema.columns " +
            "where table_schema = $1 and table_name = 'mt_doc_invoicesearchdocument' and is_generated = 'NEVER'");
        columns.Parameters.Add(new NpgsqlParameter { Value = Store.Schema });
        var list = (string)(await columns.ExecuteScalarAsync())!;
        await using var restore = DataSource.CreateCommand(
            $"truncate {Store.DocumentTable}; insert into {Store.DocumentTable} ({list}) select {list} from {Store.Schema}.lost_docs; " +
            $"truncate {Store.CheckpointTable}; insert into {Store.CheckpointTable} select * from {Store.Schema}.lost_checkpoints");
        await restore.ExecuteNonQueryAsync();
    }

    /// <summary>Every document (id, Marten's revision unless told not to, JSON), in id order.</summary>
    private async Task<List<string>> DumpAsync(InvoiceSearchStore store, bool revisions = true)
    {
        var revision = revisions ? "' v' || mt_version || " : "";
        await using var command = DataSource.CreateCommand($"select id || {revision}' ' || data::text from {store.DocumentTable} order by id");
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add(reader.GetString(0));
        return rows;
    }
}
