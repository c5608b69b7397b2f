using EventLedger.EventStore.Events;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.Projections.Analytics;
using EventLedger.Projections.Contracts;

namespace EventLedger.IntegrationTests.Analytics;

/// <summary>Seeded random workloads, delivered the way a stream does it (batches, redeliveries), against a LINQ fold.</summary>
[Collection(StackCollection.Name)]
public sealed class AnalyticsWorkloadTests(StackFixture fixture) : AnalyticsTestBase(fixture)
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Random_batches_with_redeliveries_equal_the_reference_fold(int seed)
    {
        var events = RandomWorkload.Generate(seed, invoiceCount: 12, eventCount: 1_500);
        var projection = new AnalyticsProjection(Store);
        var random = new Random(seed);
        long sequence = 0;

        foreach (var batch in StreamBatches(events, random))
        {
            var position = random.Next(3) == 0 ? null : new StreamPosition("analytics", "shard-1", $"{++sequence:D21}");
            await projection.ApplyAsync(new ProjectionBatch(batch, position), default);
        }

        AnalyticsView.AssertEqual(ReferenceFold.View(events), await QueryAllAsync(Store));
        Assert.Equal(events.Count(e => AnalyticsFold.ToFact(e) is not null), await CountFactsAsync());
    }

    [Fact]
    public async Task Two_appliers_racing_over_the_same_events_end_in_the_same_state()
    {
        // E.g. a lease handed over while the old owner still has a batch in flight.
        var events = RandomWorkload.Generate(seed: 4, invoiceCount: 8, eventCount: 1_000);

        await Task.WhenAll(
            Task.Run(() => ApplyWithRetryAsync(new AnalyticsProjection(Store), StreamBatches(events, new Random(40)))),
            Task.Run(() => ApplyWithRetryAsync(new AnalyticsProjection(Store), StreamBatches(events, new Random(41)))));

        AnalyticsView.AssertEqual(ReferenceFold.View(events), await QueryAllAsync(Store));
        Assert.Equal(events.Count(e => AnalyticsFold.ToFact(e) is not null), await CountFactsAsync());
    }

    [Fact]
    public async Task Bulk_load_equals_the_projection_and_the_reference_fold()
    {
        var events = RandomWorkload.Generate(seed: 5, invoiceCount: 30, eventCount: 3_000);
        var progress = new List<AnalyticsBulkLoadProgress>();

        // chunkSize 97 makes invoices straddle chunks, exercising the version-guarded merges.
        var result = await new AnalyticsBulkLoader(Store, chunkSize: 97).LoadAsync(
            events.ToAsyncEnumerable(), new SynchronousProgress(progress.Add));

        Assert.Equal(events.Count, result.Events);
        Assert.Equal(30, result.Invoices);
        Assert.Equal(events.Count, progress[^1].EventsWritten);
        AnalyticsView.AssertEqual(ReferenceFold.View(events), await QueryAllAsync(Store));

        await using var projected = AnalyticsStore.Create(Fixture.PostgresConnectionString, NewSchema());
        try
        {
            await projected.MigrateAsync();
            await new AnalyticsProjection(projected).ApplyAsync(new ProjectionBatch(events, null), default);
            var bulkRows = await DumpAsync(Store, Fixture.PostgresConnectionString);
            var projectedRows = await DumpAsync(projected, Fixture.PostgresConnectionString);
            Assert.Equal(Without(bulkRows, "invoice "), Without(projectedRows, "invoice "));
        }
        finally
        {
            await projected.DropSchemaAsync();
        }
    }

    [Fact]
    public async Task Bulk_loaded_pages_sent_again_after_a_resume_equal_the_projection_and_the_reference_fold()
    {
        // A rebuild's bulk path: pages of a scan (invoices split across pages), some pages sent twice as after a crash
        // between a page's COMMIT and its resume state being saved.
        var events = RandomWorkload.Generate(seed: 14, invoiceCount: 25, eventCount: 2_500)
            .OrderBy(e => e.StreamId, StringComparer.Ordinal).ThenBy(e => e.Version).ToList();
        var projection = new AnalyticsProjection(Store);
        var pages = events.Chunk(173).ToList();
        for (var i = 0; i < pages.Count; i++)
        {
            Assert.Equal(pages[i].Length, await projection.LoadPageAsync(pages[i]));
            if (i % 4 == 1)
            {
                await projection.LoadPageAsync(pages[i]);
                await projection.LoadPageAsync(pages[i - 1]);
            }
        }

        AnalyticsView.AssertEqual(ReferenceFold.View(events), await QueryAllAsync(Store));
        Assert.Equal(events.Count(e => AnalyticsFold.ToFact(e) is not null), await CountFactsAsync());

        await using var projected = AnalyticsStore.Create(Fixture.PostgresConnectionString, NewSchema());
        try
        {
            await projected.MigrateAsync();
            await new AnalyticsProjection(projected).ApplyAsync(new ProjectionBatch(events, null), default);
            Assert.Equal(
                Without(await DumpAsync(projected, Fixture.PostgresConnectionString), "invoice "),
                Without(await DumpAsync(Store, Fixture.PostgresConnectionString), "invoice "));
        }
        finally
        {
            await projected.DropSchemaAsync();
        }
    }

    [Fact]
    public async Task Rebuild_then_catch_up_from_an_overlapping_stream_position_applies_each_event_once()
    {
        var events = RandomWorkload.Generate(seed: 6, invoiceCount: 10, eventCount: 2_000);

        await new AnalyticsBulkLoader(Store, chunkSize: 500).LoadAsync(events.Take(1_400).ToAsyncEnumerable());
        var result = await new AnalyticsProjection(Store).ApplyBatchAsync(
            new ProjectionBatch(events.Skip(1_000).ToList(), new StreamPosition("analytics", "shard-1", "9")));

        Assert.Equal((600, 400), (result.AppliedEvents, result.SkippedEvents));
        AnalyticsView.AssertEqual(ReferenceFold.View(events), await QueryAllAsync(Store));
    }

    [Fact]
    public async Task Bulk_load_rebuilds_the_keys_and_indexes_it_dropped()
    {
        var before = await IndexesAsync();
        var events = RandomWorkload.Generate(seed: 12, invoiceCount: 5, eventCount: 300);

        await new AnalyticsBulkLoader(Store, chunkSize: 100).LoadAsync(events.ToAsyncEnumerable());

        Assert.Equal(before, await IndexesAsync());
        Assert.Contains(before, i => i.Contains("facts_pkey", StringComparison.Ordinal));
        Assert.Contains(before, i => i.Contains("transactions_live_by_day", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failed_bulk_load_leaves_the_schema_empty_and_indexed()
    {
        var before = await IndexesAsync();
        var events = RandomWorkload.Generate(seed: 13, invoiceCount: 5, eventCount: 300).ToList();
        events.Insert(150, events.First(e => AnalyticsFold.ToFact(e) is not null)); // a duplicate (invoice, version): the facts key rejects it

        await Assert.ThrowsAnyAsync<Npgsql.PostgresException>(
            () => new AnalyticsBulkLoader(Store, chunkSize: 100).LoadAsync(events.ToAsyncEnumerable()));

        Assert.Empty(await DumpAsync(Store, Fixture.PostgresConnectionString));
        Assert.Equal(before, await IndexesAsync());
    }

    [Fact]
    public async Task Bulk_load_refuses_a_schema_that_already_has_rows()
    {
        var (events, _) = SampleInvoices.Load();
        await new AnalyticsProjection(Store).ApplyAsync(new ProjectionBatch(events, null), default);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => new AnalyticsBulkLoader(Store).LoadAsync(events.ToAsyncEnumerable()));

        Assert.Contains("fresh read-model version", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Consecutive batches of 1–250 events; now and then a range is delivered again (at-least-once).</summary>
    private static IEnumerable<List<StoredEvent>> StreamBatches(IReadOnlyList<StoredEvent> events, Random random)
    {
        for (var start = 0; start < events.Count;)
        {
            if (start > 0 && random.Next(5) == 0)
            {
                var from = random.Next(start);
                yield return events.Skip(from).Take(start - from).ToList();
            }

            var size = random.Next(1, 251);
            yield return events.Skip(start).Take(size).ToList();
            start += size;
        }
    }

    private static async Task ApplyWithRetryAsync(AnalyticsProjection projection, IEnumerable<List<StoredEvent>> batches)
    {
        foreach (var batch in batches)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await projection.ApplyAsync(new ProjectionBatch(batch, null), default);
                    break;
                }
                catch (AnalyticsStoreUnavailableException) when (attempt < 10)
                {
                    // A deadlock between the two appliers writing the same rows in different orders is transient.
                }
            }
        }
    }

    private static List<string> Without(IEnumerable<string> rows, string prefix) =>
        rows.Where(r => !r.StartsWith(prefix, StringComparison.Ordinal)).ToList();

    private async Task<List<string>> IndexesAsync()
    {
        await using var connection = new Npgsql.NpgsqlConnection(Fixture.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "select indexname || ' ' || indexdef from pg_indexes where schemaname = $1 order by indexname", connection)
        {
            Parameters = { new() { Value = Schema } },
        };
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }

    private async Task<long> CountFactsAsync()
    {
        await using var connection = new Npgsql.NpgsqlConnection(Fixture.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand($"select count(*) from {Schema}.facts", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary><see cref="Progress{T}"/> posts to the thread pool; tests want the reports in order, now.</summary>
    private sealed class SynchronousProgress(Action<AnalyticsBulkLoadProgress> report) : IProgress<AnalyticsBulkLoadProgress>
    {
        public void Report(AnalyticsBulkLoadProgress value) => report(value);
    }
}
