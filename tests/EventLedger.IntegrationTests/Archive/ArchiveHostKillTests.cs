using System.Net.Http.Json;
using System.Text.Json;
using EventLedger.Api.Security;
using EventLedger.Archive.Format;
using EventLedger.EmbeddedStack;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.IntegrationTests.Rebuild;
using static EventLedger.IntegrationTests.Archive.ArchiveTestSupport;

namespace EventLedger.IntegrationTests.Archive;

/// <summary>
/// `eventledger serve --role host` as a child process, killed with SIGKILL while its archive buffer holds events delivered but
/// not stored, then started again: every event ends up archived exactly once (no duplicate, no gap), as verification and a
/// direct read of every object both say.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ArchiveHostKillTests(StackFixture stack)
{
    [Fact]
    public async Task A_host_killed_mid_buffer_leaves_no_duplicate_and_no_gap()
    {
        var prefix = StackFixture.NewPrefix("ar-kill");
        var directory = NewDirectory("kill");
        var store = await stack.EventStoreAsync(prefix);
        var day = new DateOnly(2030, 5, 1);
        var appended = await AppendAsync(store, Mix("K1", invoices: 6, transactionsEach: 20, day));

        var port = FreePort.Pick();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
        // The child serves with this checkout's local signing key, as the CLI's operator commands do.
        http.DefaultRequestHeaders.Authorization = LocalTokenIssuer.FromEnvironment()!.Bearer("archive-kill-test", [LedgerScopes.Operate], TimeSpan.FromHours(1));
        await using (var first = StartHost(prefix, directory, port, interval: "900"))
        {
            // Some objects stored (the size was reached) and the rest delivered into the buffer, which only the interval
            // (15 minutes) would store: the kill comes with events in the buffer.
            await Probe.UntilAsync(async () => (await ObjectsAsync(directory)).Count >= 2, "the first host to store a few objects", Long);
            appended += await AppendAsync(store, Mix("K2", invoices: 2, transactionsEach: 5, day));
            JsonElement? archive = null;
            await Probe.UntilAsync(async () =>
            {
                archive = await ArchiveRowAsync(http);
                return archive?.GetProperty("appliedCount").GetInt64() == appended;
            }, "the first host to have every event delivered to its archive", Long, () => archive?.ToString() ?? "not answering");
            var stored = (await ObjectsAsync(directory)).Sum(o => o.Events.Count);
            Assert.True(stored < appended, $"the buffer holds events at the kill ({stored} of {appended} stored)");
            await first.KillAsync();
        }

        appended += await AppendAsync(store, Mix("K3", invoices: 4, transactionsEach: 10, day));
        await using (StartHost(prefix, directory, port, interval: "1"))
        {
            await WaitUntilArchivedAsync(http, appended, TimeSpan.FromSeconds(180));

            // Read back directly: the archive holds exactly the event store's events, each once, and its objects chain.
            var objects = await ObjectsAsync(directory);
            var archived = objects.SelectMany(o => o.Events).Select(e => $"{e.StreamId}/{e.Version}").ToList();
            Assert.Equal(archived.Count, archived.Distinct().Count());
            var events = await RebuildHarness.AllEventsAsync(stack.DynamoDb, prefix);
            Assert.Equal(events.Select(e => $"{e.StreamId}/{e.Version}").Order(StringComparer.Ordinal), archived.Order(StringComparer.Ordinal));
            var entries = objects.Select(o => ManifestEntry.Parse(File.ReadAllText(Path.Combine(directory, ArchiveLayout.ManifestKeyOf(o.Key)!))))
                .OrderBy(e => System.Numerics.BigInteger.Parse(e.From!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(ArchiveLayout.ShardStart, entries[0].From);
            Assert.All(entries.Zip(entries.Skip(1)), pair => Assert.Equal(pair.First.To, pair.Second.From));
        }
    }

    private static async Task<JsonElement?> ArchiveRowAsync(HttpClient http)
    {
        try
        {
            var projections = await http.GetFromJsonAsync<JsonElement>("/projections");
            return projections.EnumerateArray().FirstOrDefault(p => p.GetProperty("name").GetString() == "archive");
        }
        catch (HttpRequestException)
        {
            return null; // not listening yet
        }
    }

    /// <summary>A host with the archive alone, into <paramref name="directory"/>, storing every 8 KB or <paramref name="interval"/> seconds.</summary>
    private HostProcess StartHost(string prefix, string directory, int port, string interval) => HostProcess.Start(stack, prefix, new Dictionary<string, string>
    {
        ["Projections__ReadModels__0"] = "archive",
        ["Archive__Directory"] = directory,
        ["Archive__BufferInterval"] = interval,
        ["Archive__BufferSize"] = "8KB",
    }, port);
}
