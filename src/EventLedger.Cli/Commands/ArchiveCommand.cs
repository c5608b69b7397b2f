using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EventLedger.Archive;
using EventLedger.Archive.Configuration;
using EventLedger.Archive.Query;
using EventLedger.Archive.Reading;
using EventLedger.Archive.Targets;
using Microsoft.Extensions.Configuration;
using Spectre.Console;

namespace EventLedger.Cli.Commands;

/// <summary>
/// <c>eventledger archive query "SELECT …" [--format table|csv|json]</c> runs SQL over the archive here, with no server (the
/// configured archive, else the embedded stack's latest, e.g. the last demo's); <c>archive verify</c> asks a running server to
/// prove the archive complete against its event store and exits 1 with the list of what is missing or altered.
/// </summary>
internal static class ArchiveCommand
{
    public static Command Create()
    {
        var command = new Command("archive", "The seven-year archive: ad hoc SQL over every event, and verification");
        command.Subcommands.Add(Query());
        command.Subcommands.Add(Verify());
        return command;
    }

    private static Command Query()
    {
        var sql = new Argument<string>("sql") { Description = "SQL over the view 'events' (DuckDB), e.g. \"select count(*) from events\"" };
        var format = new Option<string>("--format") { Description = "Output: table, csv or json", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "csv", "json");
        var maxRows = new Option<int>("--max-rows") { Description = "Most rows to print", DefaultValueFactory = _ => 100_000 };
        var command = new Command("query", "Run SQL over the archive (Archive__Directory / Archive__Bucket, else the embedded stack's latest archive)") { sql, format, maxRows };
        command.SetAction(async (parse, ct) =>
        {
            var error = parse.InvocationConfiguration.Error;
            if (parse.GetValue(maxRows) < 1)
            {
                await error.WriteLineAsync("eventledger: --max-rows must be at least 1.");
                return 2;
            }

            var configuration = new ConfigurationBuilder().AddEnvironmentVariables().Build();
            var settings = ArchiveServiceCollectionExtensions.ResolveSettings(configuration, EmbeddedArchive.LatestRun());
            if (settings is null)
            {
                await error.WriteLineAsync("eventledger: no archive to query. Set Archive__Directory or Archive__Bucket (with Archive__ServiceUrl for an S3-compatible endpoint), or run './eventledger demo' first (its archive is kept under .eventledger/archive).");
                return 1;
            }

            using var target = ArchiveTargets.Create(settings);
            var engine = new ArchiveQueryEngine(new ArchiveObjectCache(target, ArchiveServiceCollectionExtensions.CacheDirectory(settings)));
            ArchiveQueryResult result;
            try
            {
                result = await engine.RunAsync(parse.GetValue(sql)!, parse.GetValue(maxRows), ct);
            }
            catch (ArchiveQueryException ex)
            {
                await error.WriteLineAsync($"eventledger: the query failed: {ex.Message}");
                return 1;
            }
            catch (Exception ex) when (ex is Amazon.Runtime.AmazonServiceException or Amazon.Runtime.AmazonClientException or HttpRequestException or IOException)
            {
                await error.WriteLineAsync($"eventledger: the archive at {settings.Location} cannot be read: {ex.Message}");
                return 1;
            }

            // Where the answer came from goes to stderr, so that csv and json on stdout stay clean.
            await error.WriteLineAsync($"archive: {settings.Location} ({result.Objects} objects)");
            switch (parse.GetValue(format))
            {
                case "csv":
                    await parse.InvocationConfiguration.Output.WriteAsync(QueryResultFormat.ToCsv(result));
                    break;
                case "json":
                    await parse.InvocationConfiguration.Output.WriteLineAsync(QueryResultFormat.ToJson(result));
                    break;
                default:
                    var console = ConsoleOf(parse);
                    var table = new Table { Border = TableBorder.Rounded };
                    foreach (var column in result.Columns)
                    {
                        table.AddColumn(new TableColumn(Markup.Escape(column.Name)));
                    }

                    foreach (var row in result.Rows)
                    {
                        table.AddRow([.. row.Select(v => Markup.Escape(QueryResultFormat.Text(v)))]);
                    }

                    console.Write(table);
                    break;
            }

            if (result.Truncated)
            {
                await error.WriteLineAsync($"eventledger: only the first {result.Rows.Count} rows are shown (--max-rows).");
            }

            return 0;
        });
        return command;
    }

    /// <summary>How often <c>archive verify</c> says it is still waiting for the server.</summary>
    private static readonly TimeSpan VerifyTick = TimeSpan.FromSeconds(10);

    private static Command Verify()
    {
        var url = ServerClient.UrlOption();
        var command = new Command("verify", "Prove the archive complete against the event store (exit 1 and a list when an event or object is missing or altered)") { url };
        command.SetAction(async (parse, ct) =>
        {
            // Verification reads every object and scans the event store: give it time.
            using var http = ServerClient.Create(parse.GetValue(url)!);
            http.Timeout = TimeSpan.FromMinutes(30);
            // One request for the whole verification; say it is still running (the server logs how far it got).
            var error = parse.InvocationConfiguration.Error;
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var request = ServerClient.SendAsync(http, HttpMethod.Get, "/archive/status", error, ct);
            while (await Task.WhenAny(request, Task.Delay(VerifyTick, ct)) != request)
            {
                await error.WriteLineAsync($"eventledger: verifying the archive… {clock.Elapsed.TotalSeconds:F0} s (the server logs objects hashed and events scanned)");
            }

            if (await request is not { } report) return 1;
            var console = ConsoleOf(parse);
            var complete = report.GetProperty("complete").GetBoolean();
            console.MarkupLine($"archive [grey]{Markup.Escape(report.GetProperty("location").GetString() ?? "")}[/]");
            console.MarkupLine(
                $"  {N(report, "objects")} objects, {N(report, "bytes")} bytes, {N(report, "archivedEvents")} events archived; " +
                $"event store {N(report, "eventStoreEvents")} events, {N(report, "pendingEvents")} after the archive's position (not stored yet)");
            foreach (var position in report.GetProperty("positions").EnumerateArray())
            {
                console.MarkupLine($"  shard [grey]{Markup.Escape(position.GetProperty("shardId").GetString()!)}[/] stored up to {Markup.Escape(Text(position, "position") ?? "—")}" +
                    (Text(position, "storing") is { } storing ? $", storing {Markup.Escape(storing)}" : ""));
            }

            foreach (var note in report.GetProperty("notes").EnumerateArray())
            {
                console.MarkupLine($"  [yellow]note:[/] {Markup.Escape(note.GetString()!)}");
            }

            if (complete)
            {
                console.MarkupLine("[green]✓ Complete: every event up to the archive's position is archived exactly once, and every object matches its SHA-256.[/]");
                return 0;
            }

            foreach (var problem in report.GetProperty("problems").EnumerateArray())
            {
                console.MarkupLine($"[red]✗ {Markup.Escape(problem.GetString()!)}[/]");
            }

            foreach (var missing in report.GetProperty("missing").EnumerateArray())
            {
                console.MarkupLine($"  missing: invoice {Markup.Escape(missing.GetProperty("invoiceNumber").GetString()!)} version {missing.GetProperty("version")}");
            }

            foreach (var duplicate in report.GetProperty("duplicates").EnumerateArray())
            {
                console.MarkupLine($"  duplicate: invoice {Markup.Escape(duplicate.GetProperty("invoiceNumber").GetString()!)} version {duplicate.GetProperty("version")}");
            }

            return 1;
        });
        return command;
    }

    /// <summary>Spectre output to the invocation's writer (the terminal, or a test's).</summary>
    private static IAnsiConsole ConsoleOf(ParseResult parse)
    {
        var writer = parse.InvocationConfiguration.Output;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
        if (!ReferenceEquals(writer, Console.Out))
        {
            console.Profile.Width = 4096; // a file or a test reads whole lines; only a terminal is wrapped
        }

        return console;
    }

    private static string N(JsonElement report, string property) =>
        report.GetProperty(property).GetInt64().ToString("N0", CultureInfo.InvariantCulture);

    private static string? Text(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
