using System.Net;
using EventLedger.Archive.Writing;
using EventLedger.EventStore;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.ProjectionHost.Rebuilds;
using EventLedger.Projections;
using EventLedger.Projections.Analytics;
using EventLedger.Projections.Common;
using Microsoft.Extensions.DependencyInjection;
using static EventLedger.IntegrationTests.Archive.ArchiveTestSupport;
using static EventLedger.IntegrationTests.Rebuild.RebuildHarness;

namespace EventLedger.IntegrationTests.Archive;

/// <summary>
/// <c>projections rebuild NAME --source archive</c>: every read model rebuilt from the archive, then from the stream after the
/// archive's position (events appended after the last stored object), ends equal to a fold of the whole event store, which
/// is what a rebuild from the event store ends at; analytics answers as its live version does.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ArchiveRebuildTests(StackFixture stack)
{
    private static readonly TimeSpan Rebuild = TimeSpan.FromSeconds(240);

    [Fact]
    public async Task A_rebuild_from_the_archive_equals_a_rebuild_from_the_event_store_for_every_read_model()
    {
        var directory = NewDirectory("rebuild");
        // Stores only when asked (FlushAsync) or when 15 minutes pass: the events after the flush stay out of the archive.
        await using var app = await StartAsync(stack, "ar-rebuild", LocalDirectory(directory, interval: "900", size: "100MB"),
            readModels: ReadModelCatalog.All, configure: With(FastOptions(pageSize: 100, segments: 3)));
        var store = app.Get<InvoiceEventStore>();
        var day = new DateOnly(2029, 3, 1);

        // Refused with its reason while the archive holds nothing.
        var early = await app.Http.PostAsync("/projections/invoice-totals/rebuild?source=archive", null);
        Assert.Equal(HttpStatusCode.Conflict, early.StatusCode);
        Assert.Contains("stored nothing yet", await early.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await app.Http.PostAsync("/projections/invoice-totals/rebuild?source=tape", null)).StatusCode);

        var archived = await AppendAsync(store, Mix("R1", invoices: 12, transactionsEach: 12, day));
        await Probe.UntilAsync(() => app.Get<ArchiveConsumer>().BufferedEvents == archived, $"all {archived} events to reach the archive's buffer", Long);
        await app.Get<ArchiveConsumer>().FlushAsync(default);
        await WaitUntilArchivedAsync(app.Http, archived);

        // After the archive's position: new invoices, and more events on archived ones.
        var after = await AppendAsync(store, Mix("R2", invoices: 3, transactionsEach: 6, day).Concat(Mix("R1", invoices: 2, transactionsEach: 3, day)
            .Where(c => c is not EventLedger.Domain.Invoices.AssignVerifier and not EventLedger.Domain.Invoices.UnassignVerifier)
            .Select(c => c is EventLedger.Domain.Invoices.RecordTransaction r ? r with { TransactionId = "late-" + r.TransactionId } : c)
            .Where(c => c is EventLedger.Domain.Invoices.RecordTransaction)));
        var total = archived + after;
        await Probe.UntilAsync(async () => (await StatusAsync(app.Http)).GetProperty("pendingEvents").GetInt64() == after,
            $"{after} events after the archive's position", Long);

        const string daily = "/analytics/daily?from=2029-01-01&to=2029-12-31";
        const string countries = "/analytics/countries";
        string liveDaily = "", liveCountries = "";
        await Probe.UntilAsync(async () =>
        {
            var projections = await app.Http.GetStringAsync("/projections");
            liveDaily = await app.Http.GetStringAsync(daily);
            liveCountries = await app.Http.GetStringAsync(countries);
            return System.Text.Json.JsonDocument.Parse(projections).RootElement.EnumerateArray()
                .Where(p => p.GetProperty("name").GetString() != ArchiveConsumer.ConsumerName)
                .All(p => p.GetProperty("appliedCount").GetInt64() >= total);
        }, "the live read models to apply every event", Long);

        var names = ReadModelCatalog.All.Select(r => r.Name).ToList();
        foreach (var name in names)
        {
            Assert.Equal(HttpStatusCode.Accepted, (await app.Http.PostAsync($"/projections/{name}/rebuild?source=archive", null)).StatusCode);
        }

        foreach (var name in names)
        {
            var done = await WaitForStateAsync(app.Http, name, "completed", Rebuild);
            Assert.Equal(2, done.GetProperty("liveVersion").GetInt32());
            // The bulk load read the archive: its events, not the event store's (which holds more).
            Assert.Equal(archived, done.GetProperty("eventsDone").GetInt64());
        }

        var events = await AllEventsAsync(stack.DynamoDb, app.Settings.TablePrefix);
        Assert.Equal(total, events.Count);
        foreach (var name in ReadModelCatalog.DynamoDb.Select(r => r.Name))
        {
            var expected = await FoldSnapshotAsync(stack.DynamoDb, name, events);
            var table = new ReadModelTable(app.Settings.TablePrefix, name, 2).TableName;
            IReadOnlyList<string> actual = [];
            await Probe.UntilAsync(async () => (actual = await SnapshotAsync(stack.DynamoDb, table)).SequenceEqual(expected),
                $"{table} (rebuilt from the archive) to equal the fold of all {events.Count} events", Rebuild,
                () => $"{actual.Count} rows vs {expected.Count}; first difference: {actual.Except(expected).FirstOrDefault()}");
        }

        await Probe.UntilAsync(async () => await app.Http.GetStringAsync(daily) == liveDaily && await app.Http.GetStringAsync(countries) == liveCountries,
            $"analytics v2 (rebuilt from the archive) to answer as v1 did ({AnalyticsProjection.ProjectionName})", Rebuild);
    }

    private static Action<IServiceCollection> With(RebuildOptions options) => services => services.AddSingleton(options);
}
