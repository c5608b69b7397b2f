using EventLedger.IntegrationTests.Fixtures;
using EventLedger.Projections.Contracts;
using EventLedger.Projections.Search;

namespace EventLedger.IntegrationTests.Search;

/// <summary>
/// The rebuild's bulk path against the real PostgreSQL: the first page into an empty table drops every index but the
/// primary key, the load goes in as plain COPY (all-new pages) or Marten's overwrite (pages continuing a document), and
/// the migration that follows builds the same indexes and answers the same queries as a store kept by the stream path.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class InvoiceSearchBulkLoadTests(StackFixture fixture) : SearchTestBase(fixture)
{
    [Fact]
    public async Task A_bulk_load_builds_its_indexes_after_the_load_and_answers_as_the_stream_path_does()
    {
        var (events, _) = SearchTestData.Generate(seed: 11, transactions: 300);
        var indexesOfAFreshVersion = await IndexesAsync(Store);
        Assert.Contains(InvoiceSearchStore.FullTextIndex, indexesOfAFreshVersion);
        Assert.Contains(InvoiceSearchStore.VendorIndex, indexesOfAFreshVersion);
        Assert.Contains(InvoiceSearchStore.ItemNamesIndex, indexesOfAFreshVersion);
        Assert.Contains("mt_doc_invoicesearchdocument_idx_invoice_number", indexesOfAFreshVersion);
        Assert.Contains("mt_doc_invoicesearchdocument_idx_invoice_date", indexesOfAFreshVersion);
        // Low-cardinality columns have no b-tree (each cost every write an index insertion and served no query).
        Assert.DoesNotContain(indexesOfAFreshVersion, name => InvoiceSearchStore.UnindexedColumns.Any(column => name.EndsWith("_idx_" + column, StringComparison.Ordinal)));

        // The stream path, into another schema.
        var streamed = NewStore("streamed");
        await streamed.MigrateAsync();
        try
        {
            var projection = new InvoiceSearchProjection(streamed);
            var n = 0;
            foreach (var chunk in events.Chunk(40))
            {
                await projection.ApplyAsync(new ProjectionBatch(chunk, new StreamPosition("invoice-search-v1", "shard-1", $"{++n:D21}")), default);
            }

            // The bulk path, pages of 25 events (an invoice's transactions span pages, so later pages overwrite).
            var bulk = new InvoiceSearchProjection(Store);
            var pages = events.Chunk(25).ToList();
            var written = await bulk.LoadPageAsync(pages[0]);
            Assert.True(written > 0);
            Assert.Equal(["pkey_mt_doc_invoicesearchdocument_id"], await IndexesAsync(Store));
            foreach (var page in pages.Skip(1)) await bulk.LoadPageAsync(page);
            foreach (var page in pages) Assert.Equal(0, await bulk.LoadPageAsync(page)); // a page sent again writes nothing

            await Store.MigrateAsync(); // what the engine's catch-up start does
            Assert.Equal(indexesOfAFreshVersion, await IndexesAsync(Store));

            // A table with rows keeps its indexes: only a fresh version loses them.
            Assert.False(await Store.DropSecondaryIndexesAsync());
            Assert.False(await new InvoiceSearchProjection(Store).LoadPageAsync(pages[0]) > 0);
            Assert.Equal(indexesOfAFreshVersion, await IndexesAsync(Store));

            InvoiceSearchQuery[] queries =
            [
                new(Text: "client1", Limit: 7), new(Text: "printer -desktops"), new(Vendor: "1", Limit: 9), new(Vendor: "ndor2"),
                new(Item: "printer", MinQuantity: 2), new(Status: InvoiceSearchQuery.AllStatuses, Limit: 500), new(Status: InvoiceSearchStatus.Voided),
            ];
            foreach (var query in queries)
            {
                var expected = await AllPagesAsync(new InvoiceSearchQueries(streamed), query);
                var actual = await AllPagesAsync(new InvoiceSearchQueries(Store), query);
                Assert.NotEmpty(expected);
                Assert.Equal(Keys(expected), Keys(actual));
            }
        }
        finally
        {
            await streamed.DropSchemaAsync();
            await streamed.DisposeAsync();
        }

        static List<string> Keys(IEnumerable<InvoiceSearchHit> hits) =>
            [.. hits.Select(h => $"{h.InvoiceNumber}/{h.TransactionId} {h.Amount} {h.Status} {h.Score}")];
    }

    [Fact]
    public async Task A_schema_created_with_the_low_cardinality_indexes_loses_them_at_its_next_migration()
    {
        var before = await IndexesAsync(Store);
        foreach (var column in InvoiceSearchStore.UnindexedColumns)
        {
            // What a version created before these indexes were dropped from the mapping holds.
            await using var create = DataSource.CreateCommand($"create index mt_doc_invoicesearchdocument_idx_{column} on {Store.DocumentTable} ({column})");
            await create.ExecuteNonQueryAsync();
        }

        Assert.Equal(before.Count + 3, (await IndexesAsync(Store)).Count);
        await Store.MigrateAsync();
        Assert.Equal(before, await IndexesAsync(Store));
    }

    private async Task<List<string>> IndexesAsync(InvoiceSearchStore store)
    {
        await using var command = DataSource.CreateCommand(
            "select indexname::text from pg_indexes where schemaname = $1 and tablename = 'mt_doc_invoicesearchdocument' order by 1");
        command.Parameters.AddWithValue(store.Schema);
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) names.Add(reader.GetString(0));
        return names;
    }
}
