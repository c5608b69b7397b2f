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
    public async Task Bulk_loaded_pages_in_stream_order_equal_the_projection_and_the_reference_fold()
    {
        // Pages of 97 events in stream order (invoices interleaved and straddling pages), exercising the guarded merges.
        var events = RandomWorkload.Generate(seed: 5, invoiceCount: 30, eventCount: 3_000);
        var projection = new AnalyticsProjection(Store);

        var loaded = 0;
        foreach (var page in events.Chunk(97))
        {
            loaded += await projection.LoadPageAsync(page);
        }

        Assert.Equal(events.Count, loaded);
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

        var projection = new AnalyticsProjection(Store);
        foreach (var page in events.Take(1_400).Chunk(500))
        {
            await projection.LoadPageAsync(page);
        }

        var result = await projection.ApplyBatchAsync(
            new ProjectionBatch(events.Skip(1_000).ToList(), new StreamPosition("analytics", "shard-1", "9")));

        Assert.Equal((600, 400), (result.AppliedEvents, result.SkippedEvents));
        AnalyticsView.AssertEqual(ReferenceFold.View(events), await QueryAllAsync(Store));
    }

    [Fact]
    public async Task Bulk_loaded_pages_keep_the_keys_and_indexes_of_the_migrated_schema()
    {
        var before = await IndexesAsync();
        var events = RandomWorkload.Generate(seed: 12, invoiceCount: 5, eventCount: 300);

        var projection = new AnalyticsProjection(Store);
        foreach (var page in events.Chunk(100))
        {
            await projection.LoadPageAsync(page);
        }

        Assert.Equal(before, await IndexesAsync());
        Assert.Contains(before, i => i.Contains("facts_pkey", StringComparison.Ordinal));
        Assert.Contains(before, i => i.Contains("transactions_live_by_day", StringComparison.Ordinal));
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
}
