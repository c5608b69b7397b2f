using System.Net.Http.Json;
using System.Text.Json;
using EventLedger.Archive;
using EventLedger.Archive.Format;
using EventLedger.Domain.Invoices;
using EventLedger.EventStore;
using EventLedger.EventStore.Events;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.ProjectionHost.Hosting;
using EventLedger.Projections.Contracts;
using EventLedger.Server;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EventLedger.IntegrationTests.Archive;

/// <summary>The real app with an archive configured as the environment would (<c>Archive:*</c>), and ways to look at what it stored.</summary>
internal static class ArchiveTestSupport
{
    public static readonly TimeSpan Long = TimeSpan.FromSeconds(120);

    /// <summary>A fresh directory for one test's archive.</summary>
    public static string NewDirectory(string name)
    {
        var directory = Path.Combine(Path.GetTempPath(), "eventledger-archive-tests", $"{name}-{Guid.NewGuid():N}"[..(name.Length + 9)]);
        Directory.CreateDirectory(directory);
        return directory;
    }

    public static Dictionary<string, string?> LocalDirectory(string directory, string interval = "1", string size = "5MB") => new()
    {
        ["Archive:Directory"] = directory,
        ["Archive:BufferInterval"] = interval,
        ["Archive:BufferSize"] = size,
    };

    /// <summary>
    /// The app with the archive (and only the given read models: none unless asked). <paramref name="batchSize"/> caps the
    /// host's batches, so that a small buffer makes several objects out of events that arrive at once.
    /// </summary>
    public static Task<TestApp> StartAsync(StackFixture stack, string name, IDictionary<string, string?> archive,
        IReadOnlyList<IReadModel>? readModels = null, EventLedgerRoles roles = EventLedgerRoles.All, string? tablePrefix = null,
        Action<IServiceCollection>? configure = null, int? batchSize = null)
    {
        var prefix = tablePrefix ?? StackFixture.NewPrefix(name);
        return TestApp.StartAsync(stack, name, services =>
        {
            services.AddArchive(new ConfigurationBuilder().AddInMemoryCollection(archive).Build(), embeddedDirectory: null);
            if (batchSize is { } size)
            {
                services.AddSingleton(new ProjectionHostOptions { TablePrefix = prefix, BatchSize = size });
            }

            configure?.Invoke(services);
        }, roles, prefix, readModels: readModels ?? []);
    }

    public static async Task<JsonElement> StatusAsync(HttpClient http) => await http.GetFromJsonAsync<JsonElement>("/archive/status");

    /// <summary>Waits until verification passes with exactly <paramref name="events"/> archived.</summary>
    public static async Task<JsonElement> WaitUntilArchivedAsync(HttpClient http, long events, TimeSpan? timeout = null)
    {
        JsonElement report = default;
        await Probe.UntilAsync(async () =>
        {
            try
            {
                report = await StatusAsync(http);
            }
            catch (HttpRequestException)
            {
                return false; // a server process that is still starting
            }

            return report.GetProperty("complete").GetBoolean() && report.GetProperty("archivedEvents").GetInt64() == events;
        }, $"the archive to hold all {events} events, verified", timeout ?? Long, () => report.ToString());
        return report;
    }

    /// <summary>Every data object under a local archive directory: key and its events.</summary>
    public static async Task<List<(string Key, List<StoredEvent> Events)>> ObjectsAsync(string directory)
    {
        var result = new List<(string, List<StoredEvent>)>();
        var data = Path.Combine(directory, ArchiveLayout.DataFolder);
        if (!Directory.Exists(data)) return result;
        foreach (var file in Directory.EnumerateFiles(data, "*.parquet", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            await using var stream = File.OpenRead(file);
            result.Add((Path.GetRelativePath(directory, file).Replace('\\', '/'), await ArchiveParquet.ReadEventsAsync(stream, default)));
        }

        return result;
    }

    /// <summary>
    /// Decides and appends commands one after another through the event store (what the command path does), so that each
    /// invoice's events reach the stream in version order. Returns how many events were appended.
    /// </summary>
    public static Task<int> AppendAsync(InvoiceEventStore store, IEnumerable<InvoiceCommand> commands) =>
        store.DecideAndAppendAllAsync(commands, actor: "archive-tests");

    /// <summary>A mix of every command: verifiers, records in several currencies and days, adjustments, voids.</summary>
    public static IEnumerable<InvoiceCommand> Mix(string prefix, int invoices, int transactionsEach, DateOnly firstDay)
    {
        for (var i = 0; i < invoices; i++)
        {
            var invoice = $"{prefix}-{i:D3}";
            var currency = i % 3 == 0 ? "EUR" : "USD";
            if (i % 2 == 0) yield return new AssignVerifier(invoice, "USA", "alice");
            for (var t = 0; t < transactionsEach; t++)
            {
                yield return new RecordTransaction(invoice, $"t{t:D3}", (t * 13 % 97) - 3.5m, currency, t % 3 == 0 ? "UK" : "USA", firstDay.AddDays((i + t) % 20), null);
                if (t % 5 == 4) yield return new AdjustTransaction(invoice, $"t{t - 1:D3}", t * 2.25m, "fix");
                if (t % 7 == 6) yield return new VoidTransaction(invoice, $"t{t - 3:D3}", "wrong");
            }

            if (i % 4 == 0) yield return new UnassignVerifier(invoice, "USA");
        }
    }

    /// <summary>An event as text, every field included, to compare what the archive gives back with the event store.</summary>
    public static string Render(StoredEvent e) =>
        $"{e.StreamId}/{e.Version} {e.EventId} {e.EventType} v{e.SchemaVersion} {EventTypeMap.Serialize(e.Data)} {e.Metadata} {e.RecordedAt.UtcDateTime:O}";
}
