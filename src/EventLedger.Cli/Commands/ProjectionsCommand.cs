using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace EventLedger.Cli.Commands;

/// <summary><c>eventledger projections status|rebuild|cancel</c>.</summary>
internal static class ProjectionsCommand
{
    public static Command Create()
    {
        var command = new Command("projections", "Read models: status, rebuild, cancel");
        command.Subcommands.Add(Status());
        command.Subcommands.Add(Rebuild());
        command.Subcommands.Add(Cancel());
        return command;
    }

    private static Command Status()
    {
        var url = ServerClient.UrlOption();
        var command = new Command("status", "Per read model: live version, state, lag, applied events, dead letters and shard leases") { url };
        command.SetAction(async (parse, ct) =>
        {
            using var http = ServerClient.Create(parse.GetValue(url)!);
            if (await ServerClient.SendAsync(http, HttpMethod.Get, "/projections", parse.InvocationConfiguration.Error, ct) is not { } models) return 1;
            var table = new Table { Border = TableBorder.Rounded }
                .AddColumns("read model", "schema", "live version", "state", "lag ms", "applied", "dead letters", "shards (owner → checkpoint)");
            foreach (var m in models.EnumerateArray())
            {
                var shards = m.GetProperty("versions").EnumerateArray()
                    .SelectMany(v => v.GetProperty("shards").EnumerateArray().Select(s =>
                        $"v{v.GetProperty("version")} {Short(s.GetProperty("shardId").GetString())} {s.GetProperty("state").GetString()} ({Short(ServerClient.Str(s, "owner"))} → {Short(ServerClient.Str(s, "checkpoint"))})"));
                table.AddRow(
                    m.GetProperty("name").GetString()!,
                    m.GetProperty("schemaVersion").ToString(),
                    // activeVersion: what servers before liveVersion called it.
                    (m.TryGetProperty("liveVersion", out var live) ? live : m.GetProperty("activeVersion")).ToString(),
                    m.GetProperty("state").GetString()!,
                    m.GetProperty("lagMilliseconds").ValueKind == JsonValueKind.Number ? m.GetProperty("lagMilliseconds").GetInt64().ToString("N0", CultureInfo.InvariantCulture) : "—",
                    m.GetProperty("appliedCount").GetInt64().ToString("N0", CultureInfo.InvariantCulture),
                    m.GetProperty("deadLetters").ToString(),
                    Markup.Escape(string.Join("\n", shards)));
            }

            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }

    private static Command Rebuild()
    {
        var url = ServerClient.UrlOption();
        var name = new Argument<string>("name") { Description = "Read model to rebuild, e.g. invoice-totals" };
        var status = new Option<bool>("--status") { Description = "Show the latest rebuild's progress and exit (starts nothing)" };
        var restart = new Option<bool>("--restart") { Description = "Drop a cancelled or failed half-built version and start over instead of resuming" };
        var source = new Option<string>("--source") { Description = "Where the bulk load reads history: event-store (default) or archive (then the stream after the archive's position)", DefaultValueFactory = _ => "event-store" };
        var command = new Command("rebuild", "Rebuild a read model side by side from the event store, switch readers when caught up, and show progress") { name, status, restart, source, url };
        command.SetAction(async (parse, ct) =>
        {
            var readModel = parse.GetValue(name)!;
            using var http = ServerClient.Create(parse.GetValue(url)!);
            var path = $"/projections/{Uri.EscapeDataString(readModel)}/rebuild";
            if (parse.GetValue(status))
            {
                if (await ServerClient.SendAsync(http, HttpMethod.Get, path, Console.Error, ct) is not { } current) return 1;
                WriteStatus(current);
                return 0;
            }

            var start = $"{path}?restart={(parse.GetValue(restart) ? "true" : "false")}&source={Uri.EscapeDataString(parse.GetValue(source)!)}";
            if (await ServerClient.SendAsync(http, HttpMethod.Post, start, parse.InvocationConfiguration.Error, ct) is not { } started) return 1;
            AnsiConsole.MarkupLine($"Rebuilding [bold]{Markup.Escape(readModel)}[/] as version {started.GetProperty("version")} (live: {started.GetProperty("liveVersion")}). Ctrl-C stops watching; the rebuild keeps running on the server.");
            return await WatchAsync(http, path, ct);
        });
        return command;
    }

    private static Command Cancel()
    {
        var url = ServerClient.UrlOption();
        var name = new Argument<string>("name") { Description = "Read model whose rebuild to cancel" };
        var command = new Command("cancel", "Cancel a running rebuild (its progress is kept; 'rebuild' again resumes it)") { name, url };
        command.SetAction(async (parse, ct) =>
        {
            using var http = ServerClient.Create(parse.GetValue(url)!);
            if (await ServerClient.SendAsync(http, HttpMethod.Delete, $"/projections/{Uri.EscapeDataString(parse.GetValue(name)!)}/rebuild", parse.InvocationConfiguration.Error, ct) is not { } cancelled) return 1;
            WriteStatus(cancelled);
            return 0;
        });
        return command;
    }

    private static Task<int> WatchAsync(HttpClient http, string path, CancellationToken ct)
    {
        var started = DateTime.UtcNow;
        long firstDone = -1;
        return ServerJobWatch.WatchAsync(http, path, "bulk-load",
            [new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new EventsColumn(), new RateColumn(), new RemainingTimeColumn(), new SpinnerColumn()],
            (task, current) =>
            {
                var done = current.GetProperty("eventsDone").GetInt64();
                var total = Math.Max(current.GetProperty("eventsTotal").GetInt64(), done);
                if (firstDone < 0) firstDone = done;
                task.Description = $"{current.GetProperty("phase").GetString()} ({current.GetProperty("state").GetString()})";
                task.MaxValue = Math.Max(total, 1);
                task.Value = done;
                EventsColumn.Text = $"{done:N0}/{total:N0} events";
                var seconds = (DateTime.UtcNow - started).TotalSeconds;
                RateColumn.Text = seconds > 0.5 ? $"{(done - firstDone) / seconds:N0} events/s" : "";
            },
            "[yellow]Stopped watching. The rebuild keeps running on the server:[/] 'eventledger projections rebuild NAME --status' shows it, 'eventledger projections cancel NAME' cancels it.",
            last =>
            {
                WriteStatus(last);
                return last.GetProperty("state").GetString() == "completed" ? 0 : 1;
            },
            ct);
    }

    private static void WriteStatus(JsonElement s)
    {
        var table = new Table { Border = TableBorder.Rounded }.AddColumns("read model", "version", "live", "state", "phase", "events", "started", "finished", "error");
        table.AddRow(
            Markup.Escape(ServerClient.Str(s, "name") ?? ""),
            s.GetProperty("version").ToString(),
            s.GetProperty("liveVersion").ToString(),
            ServerClient.Str(s, "state") ?? "",
            ServerClient.Str(s, "phase") ?? "",
            $"{s.GetProperty("eventsDone").GetInt64():N0}/{s.GetProperty("eventsTotal").GetInt64():N0}",
            Time(ServerClient.Str(s, "startedAt")),
            Time(ServerClient.Str(s, "finishedAt")),
            Markup.Escape(ServerClient.Str(s, "error") ?? ""));
        AnsiConsole.Write(table);
    }

    private static string Time(string? iso) =>
        DateTimeOffset.TryParse(iso, CultureInfo.InvariantCulture, DateTimeStyles.None, out var t) ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) : "—";

    private sealed class EventsColumn : ProgressColumn
    {
        public static string Text { get; set; } = "";

        public override Spectre.Console.Rendering.IRenderable Render(Spectre.Console.Rendering.RenderOptions options, ProgressTask task, TimeSpan deltaTime) => new Markup(Markup.Escape(Text));
    }

    private sealed class RateColumn : ProgressColumn
    {
        public static string Text { get; set; } = "";

        public override Spectre.Console.Rendering.IRenderable Render(Spectre.Console.Rendering.RenderOptions options, ProgressTask task, TimeSpan deltaTime) => new Markup(Markup.Escape(Text));
    }

    private static string Short(string? s) => s is null ? "—" : s.Length <= 24 ? s : "…" + s[^20..];
}
