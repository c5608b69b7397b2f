using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace EventLedger.Cli.Commands;

/// <summary><c>eventledger reactions status|redeliver|enable</c>.</summary>
internal static class ReactionsCommand
{
    public static Command Create()
    {
        var command = new Command("reactions", "Reactions (messages to webhooks, SQS, SNS): status, redeliver, enable");
        command.Subcommands.Add(Status());
        command.Subcommands.Add(Redeliver());
        command.Subcommands.Add(Enable());
        return command;
    }

    private static Command Status()
    {
        var url = ServerClient.UrlOption();
        var command = new Command("status", "Per reaction: on/off/disabled, sink, delivered, retried, failed, lag, dead letters") { url };
        command.SetAction(async (parse, ct) =>
        {
            using var http = ServerClient.Create(parse.GetValue(url)!);
            if (await ServerClient.SendAsync(http, HttpMethod.Get, "/reactions", parse.InvocationConfiguration.Error, ct) is not { } reactions) return 1;
            var table = new Table { Border = TableBorder.Rounded }
                .AddColumns("reaction", "state", "sink", "delivered", "retried", "failed", "lag ms", "dead letters", "last error");
            foreach (var r in reactions.EnumerateArray())
            {
                var subscription = r.GetProperty("subscription");
                var state = ServerClient.Str(r, "state") ?? "";
                table.AddRow(
                    Markup.Escape(ServerClient.Str(r, "name") ?? ""),
                    Markup.Escape(state + (ServerClient.Str(r, "stateDetail") is { } detail ? $"\n{detail}" : "")),
                    Markup.Escape(ServerClient.Str(r, "sink") is { } sink ? $"{sink} {ServerClient.Str(r, "target")}" : "—"),
                    r.GetProperty("delivered").GetInt64().ToString("N0", CultureInfo.InvariantCulture),
                    r.GetProperty("retried").GetInt64().ToString("N0", CultureInfo.InvariantCulture),
                    r.GetProperty("failed").GetInt64().ToString("N0", CultureInfo.InvariantCulture),
                    subscription.ValueKind == JsonValueKind.Object ? subscription.GetProperty("lagMilliseconds").GetInt64().ToString("N0", CultureInfo.InvariantCulture) : "—",
                    subscription.ValueKind == JsonValueKind.Object ? subscription.GetProperty("deadLetters").ToString() : "—",
                    Markup.Escape(ServerClient.Str(r, "lastError") ?? ""));
            }

            AnsiConsole.Write(table);
            return 0;
        });
        return command;
    }

    private static Command Redeliver()
    {
        var url = ServerClient.UrlOption();
        var name = new Argument<string>("name") { Description = "Reaction whose messages to send again, e.g. zero-amount-alerts" };
        var from = new Option<string>("--from")
        {
            Description = "Where to start: a time (2026-12-01T08:00:00Z, or a date) for every invoice, or INVOICE/VERSION for one invoice",
            Required = true,
        };
        var command = new Command("redeliver", "Send a reaction's messages again from the event store (beyond the stream's 24 hours), with progress") { name, from, url };
        command.SetAction(async (parse, ct) =>
        {
            var reaction = parse.GetValue(name)!;
            using var http = ServerClient.Create(parse.GetValue(url)!);
            var path = $"/reactions/{Uri.EscapeDataString(reaction)}/redeliveries";
            if (await ServerClient.SendAsync(http, HttpMethod.Post, path, parse.InvocationConfiguration.Error, ct, new { from = parse.GetValue(from) }) is not { } started) return 1;
            var id = ServerClient.Str(started, "id")!;
            AnsiConsole.MarkupLine($"Redelivering [bold]{Markup.Escape(reaction)}[/] from {Markup.Escape(ServerClient.Str(started, "from") ?? "")} (redelivery {id}). Ctrl-C stops watching; it keeps running on the server.");
            return await WatchAsync(http, $"{path}/{id}", ct);
        });
        return command;
    }

    private static Command Enable()
    {
        var url = ServerClient.UrlOption();
        var name = new Argument<string>("name") { Description = "Reaction to enable again after its endpoint answered 410 Gone" };
        var command = new Command("enable", "Resume a reaction that was disabled by a 410 Gone (the held messages are delivered)") { name, url };
        command.SetAction(async (parse, ct) =>
        {
            using var http = ServerClient.Create(parse.GetValue(url)!);
            if (await ServerClient.SendAsync(http, HttpMethod.Post, $"/reactions/{Uri.EscapeDataString(parse.GetValue(name)!)}/enable", parse.InvocationConfiguration.Error, ct) is not { } status) return 1;
            AnsiConsole.MarkupLine($"{Markup.Escape(ServerClient.Str(status, "name") ?? "")}: {Markup.Escape(ServerClient.Str(status, "state") ?? "")}");
            return 0;
        });
        return command;
    }

    private static Task<int> WatchAsync(HttpClient http, string path, CancellationToken ct) =>
        ServerJobWatch.WatchAsync(http, path, "events read",
            [new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn()],
            (task, current) =>
            {
                var read = current.GetProperty("eventsRead").GetInt64();
                task.MaxValue = Math.Max(current.GetProperty("eventsTotal").GetInt64(), 1);
                task.Value = read;
                task.Description = $"{read:N0}/{current.GetProperty("eventsTotal").GetInt64():N0} events, {current.GetProperty("messagesDelivered").GetInt64():N0} messages delivered";
            },
            "[yellow]Stopped watching; the redelivery keeps running on the server ('eventledger reactions status' shows it).[/]",
            last =>
            {
                var state = ServerClient.Str(last, "state");
                AnsiConsole.MarkupLine($"Redelivery {Markup.Escape(state ?? "")}: {last.GetProperty("eventsRead").GetInt64():N0} events read, " +
                    $"{last.GetProperty("messagesDelivered").GetInt64():N0} messages delivered, {last.GetProperty("messagesFailed").GetInt64():N0} failed" +
                    (ServerClient.Str(last, "error") is { } error ? $" ({Markup.Escape(error)})" : ""));
                return state == "completed" ? 0 : 1;
            },
            ct);
}
