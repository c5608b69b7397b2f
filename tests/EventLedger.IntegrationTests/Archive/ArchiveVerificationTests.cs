using System.CommandLine;
using System.Text.Json;
using EventLedger.Archive.Format;
using EventLedger.Archive.Reading;
using EventLedger.Archive.Verification;
using EventLedger.Archive.Writing;
using EventLedger.EventStore.Tables;
using EventLedger.Streams.Client;
using Microsoft.Extensions.Logging;
using EventLedger.Cli.Commands;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.Projections.Tests.Support;
using static EventLedger.IntegrationTests.Archive.ArchiveTestSupport;
using static EventLedger.IntegrationTests.Rebuild.RebuildHarness;

namespace EventLedger.IntegrationTests.Archive;

/// <summary>
/// <c>archive verify</c> and <c>GET /archive/status</c>: complete when every event is archived once and every object matches
/// its SHA-256; otherwise not, with the list, when an object is deleted by hand, altered, or added outside the manifest.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ArchiveVerificationTests(StackFixture stack)
{
    [Fact]
    public async Task Verify_passes_then_lists_what_an_object_deleted_by_hand_held_and_exits_1()
    {
        var directory = NewDirectory("deleted");
        await using var app = await StartAsync(stack, "ar-deleted", LocalDirectory(directory, interval: "1", size: "2KB"), batchSize: 10);
        var log = SmallLog();
        await SeedAsync(stack.DynamoDb, app.Settings.TablePrefix, log.Events);
        await WaitUntilArchivedAsync(app.Http, log.Events.Count);
        var (exit, output) = await VerifyCliAsync(app);
        Assert.Equal(0, exit);
        Assert.Contains("Complete", output, StringComparison.Ordinal);

        var objects = await ObjectsAsync(directory);
        Assert.True(objects.Count >= 2, $"{objects.Count} objects");
        var (key, events) = objects[1];
        File.Delete(Path.Combine(directory, key));

        var report = await StatusAsync(app.Http);
        Assert.False(report.GetProperty("complete").GetBoolean());
        Assert.Equal([key], report.GetProperty("missingObjects").EnumerateArray().Select(k => k.GetString()));
        Assert.Equal(events.Count, report.GetProperty("missingEventCount").GetInt64());
        Assert.Equal(
            events.Select(e => $"{e.StreamId}/{e.Version}").Order(StringComparer.Ordinal),
            report.GetProperty("missing").EnumerateArray().Select(m => $"{m.GetProperty("invoiceNumber").GetString()}/{m.GetProperty("version").GetInt64()}").Order(StringComparer.Ordinal));
        (exit, output) = await VerifyCliAsync(app);
        Assert.Equal(1, exit);
        Assert.Contains($"object {key} is in the manifest but missing", output, StringComparison.Ordinal);
        Assert.Contains($"missing: invoice {events[0].StreamId} version {events[0].Version}", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_names_an_altered_object_and_an_object_outside_the_manifest()
    {
        var directory = NewDirectory("altered");
        await using var app = await StartAsync(stack, "ar-altered", LocalDirectory(directory, interval: "1", size: "2KB"), batchSize: 10);
        var log = SmallLog();
        await SeedAsync(stack.DynamoDb, app.Settings.TablePrefix, log.Events);
        await WaitUntilArchivedAsync(app.Http, log.Events.Count);
        var objects = await ObjectsAsync(directory);

        // Altered: the same events, one amount changed, written over the object (a valid Parquet file, another SHA-256).
        var (key, events) = objects[0];
        var forged = events.Select((e, i) => i == 0 && e.Data is EventLedger.Domain.Invoices.TransactionRecorded r ? e with { Data = r with { Amount = r.Amount + 1 } } : e).ToList();
        var path = Path.Combine(directory, key);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await File.WriteAllBytesAsync(path, await ArchiveParquet.WriteAsync(forged, "zstd", default));

        // Outside the manifest: a copy of another object under a key of its own (a query would count its events twice).
        var copy = objects[^1].Key.Replace(".parquet", "-copy.parquet", StringComparison.Ordinal);
        File.Copy(Path.Combine(directory, objects[^1].Key), Path.Combine(directory, copy));

        var report = await StatusAsync(app.Http);
        Assert.False(report.GetProperty("complete").GetBoolean());
        var altered = Assert.Single(report.GetProperty("alteredObjects").EnumerateArray());
        Assert.Equal(key, altered.GetProperty("key").GetString());
        Assert.NotEqual(altered.GetProperty("expectedSha256").GetString(), altered.GetProperty("actualSha256").GetString());
        Assert.Equal([copy], report.GetProperty("unlistedObjects").EnumerateArray().Select(k => k.GetString()));
        Assert.Contains(report.GetProperty("problems").EnumerateArray(), p => p.GetString()!.Contains("was altered", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Events_not_stored_yet_are_pending_not_missing()
    {
        var directory = NewDirectory("pending");
        await using var app = await StartAsync(stack, "ar-pending", LocalDirectory(directory, interval: "900", size: "100MB"));
        var log = SmallLog();
        await SeedAsync(stack.DynamoDb, app.Settings.TablePrefix, log.Events);
        JsonElement report = default;
        await Probe.UntilAsync(async () => (report = await StatusAsync(app.Http)).GetProperty("pendingEvents").GetInt64() == log.Events.Count,
            "every event to show as pending", Long, () => report.ToString());
        Assert.True(report.GetProperty("complete").GetBoolean());
        Assert.Equal(0, report.GetProperty("archivedEvents").GetInt64());
        Assert.Equal(0, report.GetProperty("missingEventCount").GetInt64());
    }

    [Fact]
    public async Task A_verification_logs_its_progress_and_what_it_found()
    {
        var directory = NewDirectory("progress");
        await using var app = await StartAsync(stack, "ar-progress", LocalDirectory(directory, interval: "1", size: "2KB"), batchSize: 10);
        var log = SmallLog();
        await SeedAsync(stack.DynamoDb, app.Settings.TablePrefix, log.Events);
        await WaitUntilArchivedAsync(app.Http, log.Events.Count);

        var lines = new RecordingLogger<ArchiveVerifier>();
        var verifier = new ArchiveVerifier(
            app.Get<ArchiveObjectCache>(), app.Get<ArchiveCommitLog>(), ArchiveConsumer.Subscription, stack.DynamoDb,
            app.Get<EventStoreTables>(), app.Get<IDynamoDbStreams>(), TimeProvider.System, lines, progressInterval: TimeSpan.Zero);
        var report = await verifier.VerifyAsync(default);

        Assert.True(report.Complete);
        var objects = (await ObjectsAsync(directory)).Count;
        Assert.Contains($"Archive verify: {objects} committed objects ({objects} stored), hashing and reading their keys", lines.Messages);
        Assert.Contains($"Archive verify: hashed {objects}/{objects} objects, {log.Events.Count} archived events so far", lines.Messages);
        Assert.Contains($"Archive verify: {log.Events.Count} archived events read; scanning the event store", lines.Messages);
        Assert.Contains(lines.Messages, m => m.StartsWith($"Archive verify: complete True, {log.Events.Count} events archived, {log.Events.Count} in the event store, 0 problems", StringComparison.Ordinal));
    }

    private sealed class RecordingLogger<T> : ILogger<T>
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<string> _messages = new();

        public IReadOnlyList<string> Messages => [.. _messages];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            _messages.Enqueue(formatter(state, exception));
    }

    private static EventLog SmallLog()
    {
        var log = new EventLog();
        for (var i = 0; i < 30; i++) log.On($"V-{i % 5}").Record($"t{i}", i + 0.5m, i % 2 == 0 ? "USA" : "UK");
        return log;
    }

    private static async Task<(int Exit, string Output)> VerifyCliAsync(TestApp app)
    {
        var output = new StringWriter();
        var exit = await new RootCommand { ArchiveCommand.Create() }
            .Parse(["archive", "verify", "--url", app.Http.BaseAddress!.ToString()])
            .InvokeAsync(new InvocationConfiguration { Error = output, Output = output });
        return (exit, output.ToString());
    }
}
