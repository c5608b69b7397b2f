using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.ProjectionHost.Hosting;
using EventLedger.ProjectionHost.Rebuilds;
using EventLedger.Projections;
using EventLedger.Projections.Common;
using EventLedger.Projections.Contracts;
using EventLedger.Projections.InvoiceTotals;
using Microsoft.Extensions.DependencyInjection;
using static EventLedger.IntegrationTests.Rebuild.RebuildHarness;

namespace EventLedger.IntegrationTests.Rebuild;

/// <summary>Side-by-side rebuilds on DynamoDB Local, through the real app (API + projection host).</summary>
[Collection(StackCollection.Name)]
public sealed class RebuildTests(StackFixture fixture)
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(180);

    private IAmazonDynamoDB Db => fixture.DynamoDb;

    [Fact]
    public async Task Rebuild_while_commands_arrive_ends_equal_to_a_fold_of_the_event_store_and_reads_never_fail()
    {
        await using var app = await TestApp.StartAsync(fixture, "rb-live", With(FastOptions(pageSize: 50)));
        for (var i = 0; i < 8; i++)
        {
            for (var t = 0; t < 4; t++)
            {
                Assert.Equal(HttpStatusCode.Created, (await Record(app.Http, $"L-{i}", $"s{t}", country: t % 2 == 0 ? "USA" : "UK")).StatusCode);
            }

            Assert.True((await app.Http.PutAsync($"/invoices/L-{i}/countries/USA/verifier", Json("""{"verifier":"alice"}"""))).IsSuccessStatusCode);
        }

        await Probe.UntilAsync(async () => (await app.Http.GetAsync("/invoices/L-7?minVersion=5")).StatusCode == HttpStatusCode.OK,
            "the live read models to hold the seed", Long);

        using var stop = new CancellationTokenSource();
        var writeFailures = new ConcurrentBag<string>();
        var readFailures = new ConcurrentBag<string>();
        var reads = 0;
        var writer = Task.Run(async () =>
        {
            for (var k = 0; !stop.IsCancellationRequested; k++)
            {
                var invoice = $"L-{k % 8}";
                var response = k % 5 == 4 && k >= 8
                    ? await app.Http.PutAsync($"/invoices/{invoice}/transactions/w{k - 8}", Json("""{"amount":42.5}"""))
                    : await Record(app.Http, invoice, $"w{k}", country: k % 3 == 0 ? "USA" : "DE");
                if (!response.IsSuccessStatusCode) writeFailures.Add($"{invoice} w{k}: {(int)response.StatusCode}");
            }
        });
        var reader = Task.Run(async () =>
        {
            string[] paths = ["", "/transactions", "/countries", "/history"];
            for (var k = 0; !stop.IsCancellationRequested; k++)
            {
                var path = $"/invoices/L-{k % 8}{paths[k % paths.Length]}";
                var response = await app.Http.GetAsync(path);
                Interlocked.Increment(ref reads);
                if (response.StatusCode != HttpStatusCode.OK) readFailures.Add($"{path}: {(int)response.StatusCode}");
            }
        });

        var names = ReadModelCatalog.DynamoDb.Select(r => r.Name).ToList();
        foreach (var name in names)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await app.Http.PostAsync($"/projections/{name}/rebuild", null)).StatusCode);
        }

        foreach (var name in names)
        {
            var done = await WaitForStateAsync(app.Http, name, "completed", Long);
            Assert.Equal(2, done.GetProperty("version").GetInt32());
            Assert.Equal(2, done.GetProperty("liveVersion").GetInt32());
            Assert.True(done.GetProperty("eventsDone").GetInt64() > 0);
        }

        // Keep writing a little after the switch: the new version keeps being fed.
        await Probe.UntilAsync(() => Volatile.Read(ref reads) > 0, "reads");
        await Task.Delay(500);
        await stop.CancelAsync();
        await Task.WhenAll(writer, reader);
        Assert.Empty(readFailures);
        Assert.Empty(writeFailures);

        var events = await AllEventsAsync(Db, app.Settings.TablePrefix);
        foreach (var name in names)
        {
            var expected = await FoldSnapshotAsync(Db, name, events);
            var table = new ReadModelTable(app.Settings.TablePrefix, name, 2).TableName;
            IReadOnlyList<string> actual = [];
            await Probe.UntilAsync(async () => (actual = await SnapshotAsync(Db, table)).SequenceEqual(expected),
                $"{table} to equal the fold of {events.Count} events", Long,
                () => $"{actual.Count} rows vs {expected.Count}; first difference: {actual.Except(expected).FirstOrDefault()}");
            await Probe.UntilAsync(async () => !await TableExistsAsync(Db, new ReadModelTable(app.Settings.TablePrefix, name, 1).TableName),
                $"version 1 of {name} to be retired", Long);
        }

        var projections = await app.Http.GetFromJsonAsync<JsonElement>("/projections");
        Assert.All(projections.EnumerateArray().Where(p => names.Contains(p.GetProperty("name").GetString()!)),
            p => Assert.Equal(2, p.GetProperty("activeVersion").GetInt32()));
    }

    [Fact]
    public async Task A_cancelled_rebuild_resumes_where_it_stopped()
    {
        const int pageSize = 100;
        var options = FastOptions(pageSize: pageSize, segments: 2);
        await using var app = await TestApp.StartAsync(fixture, "rb-cancel", With(options));
        var log = SkewedLog(hotInvoices: 3, hotTransactions: 1500, coldInvoices: 2500);
        await SeedAsync(Db, app.Settings.TablePrefix, log.Events);
        const string name = InvoiceTotalsProjection.ProjectionName;

        Assert.Equal(HttpStatusCode.NotFound, (await app.Http.PostAsync("/projections/no-such-model/rebuild", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, (await app.Http.PostAsync($"/projections/{name}/rebuild", null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await app.Http.PostAsync($"/projections/{name}/rebuild", null)).StatusCode);
        JsonElement? running = null;
        await Probe.UntilAsync(async () => (running = await StatusAsync(app.Http, name)) is { } s && s.GetProperty("eventsDone").GetInt64() >= 1000,
            "the bulk load to pass 1,000 events", Long, () => running?.ToString() ?? "");

        var cancel = await app.Http.DeleteAsync($"/projections/{name}/rebuild");
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);
        var cancelled = await WaitForStateAsync(app.Http, name, "cancelled", Long);
        var doneBefore = cancelled.GetProperty("eventsDone").GetInt64();
        Assert.InRange(doneBefore, 1000, log.Events.Count - 1);
        var record = await app.Get<ReadModelVersionRegistry>().GetVersionAsync(name, 2, CancellationToken.None);
        Assert.NotNull(record);
        Assert.NotEmpty(record.Resume);
        Assert.Equal(1, (await app.Get<IReadModelCatalog>().LiveTableAsync(name, CancellationToken.None)).Version);

        var resumed = await app.Http.PostAsync($"/projections/{name}/rebuild", null);
        Assert.Equal(HttpStatusCode.Accepted, resumed.StatusCode);
        var resumedBody = await resumed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, resumedBody.GetProperty("version").GetInt32());
        Assert.True(resumedBody.GetProperty("eventsDone").GetInt64() >= doneBefore, "resume starts from the saved progress");

        var completed = await WaitForStateAsync(app.Http, name, "completed", Long);
        // Restarting from zero would count doneBefore + all events; a resume re-reads at most one page per segment.
        Assert.InRange(completed.GetProperty("eventsDone").GetInt64(), log.Events.Count, log.Events.Count + (2 * pageSize * options.RebuildSegments));

        var expected = await FoldSnapshotAsync(Db, name, log.Events);
        Assert.Equal(expected, await SnapshotAsync(Db, new ReadModelTable(app.Settings.TablePrefix, name, 2).TableName));
    }

    [Fact]
    public async Task A_rebuild_interrupted_by_a_host_going_away_is_resumed_by_the_next_host()
    {
        const int pageSize = 100;
        var options = FastOptions(pageSize: pageSize, segments: 2);
        var prefix = StackFixture.NewPrefix("rb-crash");
        var log = SkewedLog(hotInvoices: 2, hotTransactions: 2000, coldInvoices: 2500);
        const string name = "country-counts";
        long doneBefore;
        await using (var first = await TestApp.StartAsync(fixture, "rb-crash", With(options), tablePrefix: prefix))
        {
            await SeedAsync(Db, prefix, log.Events);
            Assert.Equal(HttpStatusCode.Accepted, (await first.Http.PostAsync($"/projections/{name}/rebuild", null)).StatusCode);
            await Probe.UntilAsync(async () => await StatusAsync(first.Http, name) is { } s && s.GetProperty("eventsDone").GetInt64() >= 1000,
                "the bulk load to pass 1,000 events", Long);
        }

        var registry = new ReadModelVersionRegistry(Db, prefix);
        var interrupted = await registry.GetVersionAsync(name, 2, CancellationToken.None);
        Assert.NotNull(interrupted);
        Assert.Equal(RebuildState.Running, interrupted.State);
        Assert.Equal(RebuildPhase.BulkLoad, interrupted.Phase);
        doneBefore = interrupted.EventsDone;
        Assert.InRange(doneBefore, 1000, log.Events.Count - 1);
        Assert.Equal(2, (await registry.GetPointerAsync(name, CancellationToken.None)).RebuildingVersion);

        await using var second = await TestApp.StartAsync(fixture, "rb-crash", With(options), tablePrefix: prefix);
        var completed = await WaitForStateAsync(second.Http, name, "completed", Long);
        Assert.InRange(completed.GetProperty("eventsDone").GetInt64(), log.Events.Count, log.Events.Count + (2 * pageSize * options.RebuildSegments));
        Assert.Equal(2, completed.GetProperty("liveVersion").GetInt32());

        var expected = await FoldSnapshotAsync(Db, name, log.Events);
        Assert.Equal(expected, await SnapshotAsync(Db, new ReadModelTable(prefix, name, 2).TableName));
    }

    [Fact]
    public async Task Every_host_follows_a_switch_made_by_another_and_retires_the_old_version_when_that_host_went_away()
    {
        // The grace period outlives the host that switches: it goes away with version 1 still retiring.
        var options = FastOptions(pageSize: 100) with { RebuildGracePeriod = TimeSpan.FromSeconds(4) };
        var prefix = StackFixture.NewPrefix("rb-hosts");
        const string name = InvoiceTotalsProjection.ProjectionName;
        await using var second = await TestApp.StartAsync(fixture, "rb-hosts", With(options), tablePrefix: prefix);
        var secondHost = second.Get<ProjectionHostService>();
        await using (var first = await TestApp.StartAsync(fixture, "rb-hosts", With(options), tablePrefix: prefix))
        {
            for (var t = 0; t < 5; t++)
            {
                Assert.Equal(HttpStatusCode.Created, (await Record(first.Http, "H-1", $"t{t}")).StatusCode);
            }

            Assert.Equal(HttpStatusCode.Accepted, (await first.Http.PostAsync($"/projections/{name}/rebuild", null)).StatusCode);
            await WaitForStateAsync(first.Http, name, "completed", Long);
            Assert.DoesNotContain(name, second.Get<RebuildEngine>().RunningHere);
            await Probe.UntilAsync(() => Task.FromResult(secondHost.RunningVersions(name).SetEquals([1, 2])),
                "the second host to feed the new live version beside the retiring one", Long,
                () => string.Join(",", secondHost.RunningVersions(name)));
        }

        // The first host is gone: the second alone keeps version 2 fed…
        Assert.Equal(HttpStatusCode.Created, (await Record(second.Http, "H-1", "t5")).StatusCode);
        var row = await second.Http.GetFromJsonAsync<JsonElement>("/invoices/H-1?minVersion=6&waitMs=20000");
        Assert.Equal(6, row.GetProperty("transactionCount").GetInt32());

        // …and retires version 1 once its grace period is over: subscription stopped, table dropped, registry updated.
        await Probe.UntilAsync(() => Task.FromResult(secondHost.RunningVersions(name).SetEquals([2])),
            "the second host to stop feeding the retired version", Long, () => string.Join(",", secondHost.RunningVersions(name)));
        await Probe.UntilAsync(async () => !await TableExistsAsync(Db, new ReadModelTable(prefix, name, 1).TableName),
            "version 1's table to be dropped", Long);
        var registry = new ReadModelVersionRegistry(Db, prefix);
        Assert.Equal(VersionRole.Retired, (await registry.GetVersionAsync(name, 1, CancellationToken.None))!.Role);
    }

    [Fact]
    public void The_follower_feeds_the_live_a_catching_up_and_a_retiring_version_only()
    {
        static ReadModelVersionRecord V(int version, VersionRole role, RebuildState state, RebuildPhase phase) =>
            new("m", version, state, role, phase, 1, 0, 0, DateTimeOffset.UnixEpoch, null, null, true, 2, new Dictionary<int, Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue>?>());
        var pointer = new ReadModelPointer("m", 3, 1, 5, "h", null);

        var wanted = ReadModelVersionFollower.VersionsToFeed(pointer,
        [
            V(1, VersionRole.Retired, RebuildState.Completed, RebuildPhase.Done),
            V(2, VersionRole.Retiring, RebuildState.Completed, RebuildPhase.Done),
            V(3, VersionRole.Live, RebuildState.Completed, RebuildPhase.Done),
            V(4, VersionRole.Building, RebuildState.Cancelled, RebuildPhase.CatchUp),
            V(5, VersionRole.Building, RebuildState.Running, RebuildPhase.CatchUp),
            V(6, VersionRole.Building, RebuildState.Running, RebuildPhase.BulkLoad),
            V(7, VersionRole.Building, RebuildState.Failed, RebuildPhase.Switching),
        ]);

        Assert.Equal([2, 3, 5], wanted);
        Assert.Equal([1], ReadModelVersionFollower.VersionsToFeed(new ReadModelPointer("m", 1, null, null, null, null), []));
    }

    [Fact]
    public async Task A_newer_schema_version_in_code_is_rebuilt_at_start_when_configured()
    {
        var prefix = StackFixture.NewPrefix("rb-schema");
        await using (var first = await TestApp.StartAsync(fixture, "rb-schema", With(FastOptions(), SchemaProbe(prefix, 1)), tablePrefix: prefix))
        {
            for (var t = 0; t < 5; t++)
            {
                Assert.Equal(HttpStatusCode.Created, (await Record(first.Http, "S-1", $"t{t}")).StatusCode);
            }

            await Probe.UntilAsync(async () => (await SnapshotAsync(Db, $"{prefix}{SchemaProbeName}-v1")) is [var row] && row.Contains("lastAppliedVersion:N5", StringComparison.Ordinal),
                "schema 1 to be fed", Long);
        }

        var registry = new ReadModelVersionRegistry(Db, prefix);
        Assert.Equal(1, (await registry.GetPointerAsync(SchemaProbeName, CancellationToken.None)).LiveSchemaVersion);

        await using var second = await TestApp.StartAsync(fixture, "rb-schema", With(FastOptions(autoRebuild: true), SchemaProbe(prefix, 2)), tablePrefix: prefix);
        var completed = await WaitForStateAsync(second.Http, SchemaProbeName, "completed", Long);
        Assert.Equal(2, completed.GetProperty("version").GetInt32());
        Assert.Equal(2, completed.GetProperty("schemaVersion").GetInt32());
        var pointer = await registry.GetPointerAsync(SchemaProbeName, CancellationToken.None);
        Assert.Equal((2, 2), (pointer.LiveVersion, pointer.LiveSchemaVersion));

        var events = await AllEventsAsync(Db, prefix);
        var expected = await FoldSnapshotAsync(Db, InvoiceTotalsProjection.ProjectionName, events);
        Assert.Equal(expected, await SnapshotAsync(Db, $"{prefix}{SchemaProbeName}-v2"));
    }

    private const string SchemaProbeName = "totals-schema";

    /// <summary>A read model whose code declares <paramref name="schemaVersion"/> (the invoice-totals projection underneath).</summary>
    private static Func<IServiceProvider, HostedReadModel> SchemaProbe(string prefix, int schemaVersion) =>
        InvoiceTotalsAs(prefix, SchemaProbeName, schemaVersion);

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static Task<HttpResponseMessage> Record(HttpClient http, string invoice, string id, string amount = "100", string country = "USA") =>
        http.PostAsync($"/invoices/{invoice}/transactions",
            Json($$"""{"transactionId":"{{id}}","amount":{{amount}},"currency":"USD","country":"{{country}}","invoiceDate":"2016-06-06"}"""));
}
