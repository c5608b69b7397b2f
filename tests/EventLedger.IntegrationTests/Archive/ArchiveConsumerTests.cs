using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventLedger.Archive.Format;
using EventLedger.Archive.Query;
using EventLedger.Archive.Reading;
using EventLedger.Archive.Targets;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.ProjectionHost.Hosting;
using Microsoft.Extensions.DependencyInjection;
using EventLedger.Projections.Tests.Support;
using static EventLedger.IntegrationTests.Archive.ArchiveTestSupport;
using static EventLedger.IntegrationTests.Rebuild.RebuildHarness;

namespace EventLedger.IntegrationTests.Archive;

/// <summary>The archive consumer on DynamoDB Local with a local directory: what it stores, when, and how it is hosted.</summary>
[Collection(StackCollection.Name)]
public sealed class ArchiveConsumerTests(StackFixture stack)
{
    [Fact]
    public async Task Every_event_is_stored_once_as_Parquet_under_day_partitions_with_keys_from_shard_and_sequence_numbers()
    {
        var directory = NewDirectory("every");
        await using var app = await StartAsync(stack, "ar-every", LocalDirectory(directory));
        var log = new EventLog();
        for (var i = 0; i < 20; i++)
        {
            var invoice = log.On($"E-{i:D2}").Assign("USA", "alice").Record("t1", 10.1234m + i, "USA").Record("t2", -5, "UK", invoiceDate: new DateOnly(2025, 3, 4));
            if (i % 3 == 0) invoice.Adjust("t1", 99.5m).Void("t2");
        }

        await SeedAsync(stack.DynamoDb, app.Settings.TablePrefix, log.Events);
        var report = await WaitUntilArchivedAsync(app.Http, log.Events.Count);
        Assert.Equal(0, report.GetProperty("missingEventCount").GetInt64());
        Assert.Equal(log.Events.Count, report.GetProperty("eventStoreEvents").GetInt64());

        // Exactly the event store's events come back, field for field.
        var objects = await ObjectsAsync(directory);
        var stored = await AllEventsAsync(stack.DynamoDb, app.Settings.TablePrefix);
        Assert.Equal(stored.Select(Render), objects.SelectMany(o => o.Events).OrderBy(e => e.StreamId, StringComparer.Ordinal).ThenBy(e => e.Version).Select(Render));

        // invoices/year=YYYY/month=MM/day=DD/{shard}-{from}-{to}.parquet, the day of the object's first event; a manifest entry each.
        foreach (var (key, events) in objects)
        {
            Assert.Matches(@"^invoices/year=2026/month=01/day=01/shardId-[\w-]+-\d+-\d+\.parquet$", key);
            var entry = ManifestEntry.Parse(await File.ReadAllTextAsync(Path.Combine(directory, ArchiveLayout.ManifestKeyOf(key)!)));
            Assert.Equal(key, entry.Key);
            Assert.Equal(events.Count, entry.Events);
            Assert.EndsWith($"-{entry.From}-{entry.To}.parquet", key, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_Parquet_schema_is_the_documented_one_with_the_transaction_flattened()
    {
        var directory = NewDirectory("schema");
        await using var app = await StartAsync(stack, "ar-schema", LocalDirectory(directory));
        var log = new EventLog();
        log.On("S-1").Assign("USA", "alice").Record("t1", 1234.5678m, "USA", "EUR", new DateOnly(2024, 2, 29)).Adjust("t1", 10m).Void("t1").Unassign("USA");
        await SeedAsync(stack.DynamoDb, app.Settings.TablePrefix, log.Events);
        await WaitUntilArchivedAsync(app.Http, log.Events.Count);

        var schema = await QueryAsync(directory, "select column_name, column_type from (describe events)");
        Assert.Equal(
            [
                "stream_id VARCHAR", "version BIGINT", "event_id VARCHAR", "event_type VARCHAR", "schema_version INTEGER",
                "recorded_at TIMESTAMP WITH TIME ZONE", "transaction_id VARCHAR", "amount DECIMAL(18,4)", "previous_amount DECIMAL(18,4)",
                "currency VARCHAR", "country VARCHAR", "invoice_date DATE", "verifier VARCHAR", "payload VARCHAR", "metadata VARCHAR",
                "year INTEGER", "month INTEGER", "day INTEGER",
            ],
            schema.Rows.Select(r => $"{r[0]} {r[1]}"));

        var rows = await QueryAsync(directory,
            "select version, event_type, transaction_id, amount, previous_amount, currency, country, invoice_date, verifier, json_extract_string(metadata, '$.actor') from events order by version");
        Assert.Equal(
            [
                "1 VerifierAssigned - - - - USA - alice tests",
                "2 TransactionRecorded t1 1234.5678 - EUR USA 2024-02-29 alice tests",
                "3 TransactionAdjusted t1 10.0000 1234.5678 EUR USA 2016-06-06 - tests",
                "4 TransactionVoided t1 10.0000 - EUR USA 2016-06-06 alice tests",
                "5 VerifierUnassigned - - - - USA - alice tests",
            ],
            rows.Rows.Select(r => string.Join(' ', r.Select(v => v is null ? "-" : QueryResultFormat.Text(v)))));
    }

    [Fact]
    public async Task A_buffer_is_stored_when_it_reaches_its_size_and_a_quiet_buffer_when_it_reaches_its_interval()
    {
        // By size: a few kilobytes per object, and an interval too long to matter. An object holds whole batches, so batches
        // of 10 events (about 3 KB) make objects of two batches.
        var bySize = NewDirectory("size");
        await using (var app = await StartAsync(stack, "ar-size", LocalDirectory(bySize, interval: "900", size: "4KB"), batchSize: 10))
        {
            var log = new EventLog();
            for (var i = 0; i < 60; i++) log.On($"Z-{i % 6}").Record($"t{i}", i, "USA");
            await SeedAsync(stack.DynamoDb, app.Settings.TablePrefix, log.Events);
            var seen = new List<(string Key, List<EventLedger.EventStore.Events.StoredEvent> Events)>();
            await Probe.UntilAsync(async () => (seen = await ObjectsAsync(bySize)).Count >= 3, "several objects of about 4 KB", Long,
                () => string.Join(", ", seen.Select(o => $"{o.Key}: {o.Events.Count}")));
            var objects = await ObjectsAsync(bySize);
            Assert.All(objects, o => Assert.InRange(o.Events.Count, 1, 30));
            var keys = objects.SelectMany(o => o.Events).Select(e => (e.StreamId, e.Version)).ToList();
            Assert.Equal(keys.Count, keys.Distinct().Count());
        }

        // By interval: one batch, then nothing more arrives; the buffer is stored once it is two seconds old.
        var byInterval = NewDirectory("interval");
        await using (var app = await StartAsync(stack, "ar-interval", LocalDirectory(byInterval, interval: "2", size: "100MB")))
        {
            var log = new EventLog();
            log.On("Q-1").Record("t1", 1, "USA").Record("t2", 2, "USA");
            await SeedAsync(stack.DynamoDb, app.Settings.TablePrefix, log.Events);
            await Probe.UntilAsync(async () => (await ObjectsAsync(byInterval)).Sum(o => o.Events.Count) == 2, "the quiet buffer to be stored on its interval", Long);
            Assert.Single(await ObjectsAsync(byInterval));
        }
    }

    [Fact]
    public async Task The_archive_is_hosted_like_a_read_model_and_refuses_a_rebuild()
    {
        var directory = NewDirectory("hosted");
        await using var app = await StartAsync(stack, "ar-hosted", LocalDirectory(directory));
        var log = new EventLog();
        log.On("H-1").Record("t1", 1, "USA").Record("t2", 2, "USA");
        await SeedAsync(stack.DynamoDb, app.Settings.TablePrefix, log.Events);
        await WaitUntilArchivedAsync(app.Http, 2);

        var projections = await app.Http.GetFromJsonAsync<JsonElement>("/projections");
        var archive = Assert.Single(projections.EnumerateArray(), p => p.GetProperty("name").GetString() == "archive");
        Assert.Equal("Running", archive.GetProperty("state").GetString());
        var shard = Assert.Single(archive.GetProperty("versions")[0].GetProperty("shards").EnumerateArray());
        var stored = (await StatusAsync(app.Http)).GetProperty("positions")[0].GetProperty("position").GetString();
        await Probe.UntilAsync(async () => (await app.Http.GetFromJsonAsync<JsonElement>("/projections")).EnumerateArray()
                .Single(p => p.GetProperty("name").GetString() == "archive").GetProperty("versions")[0].GetProperty("shards")[0]
                .GetProperty("checkpoint").GetString() == stored,
            "GET /projections to show the archive's stored position as its checkpoint", Long);
        Assert.NotNull(shard.GetProperty("shardId").GetString());

        var refused = await app.Http.PostAsync("/projections/archive/rebuild", null);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains("not a read model", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private static Task<ArchiveQueryResult> QueryAsync(string directory, string sql) =>
        new ArchiveQueryEngine(new ArchiveObjectCache(new LocalDirectoryTarget(directory), directory)).RunAsync(sql, 1000, default);
}
