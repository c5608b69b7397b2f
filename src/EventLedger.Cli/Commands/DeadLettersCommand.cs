using System.CommandLine;
using Spectre.Console;

namespace EventLedger.Cli.Commands;

/// <summary><c>eventledger dlq list|retry|discard</c>: the dead-letter store of a running projection host.</summary>
internal static class DeadLettersCommand
{
    public static Command Create()
    {
        var command = new Command("dlq", "Dead letters: records a read model gave up on after its retries");
        command.Subcommands.Add(List());
        command.Subcommands.Add(ById("retry", "Apply a parked record again (deleted when it succeeds)", HttpMethod.Post, id => $"/dead-letters/{Uri.EscapeDataString(id)}/retry"));
        command.Subcommands.Add(ById("discard", "Delete a parked record without applying it", HttpMethod.Delete, id => $"/dead-letters/{Uri.EscapeDataString(id)}"));
        return command;
    }

    private static Command List()
    {
        var url = ServerClient.UrlOption();
        var subscription = new Option<string?>("--subscription") { Description = "Only this subscription, e.g. invoice-totals-v1" };
        var command = new Command("list", "List parked records") { url, subscription };
        command.SetAction(async (parse, ct) =>
        {
            using var http = ServerClient.Create(parse.GetValue(url)!);
            var table = new Table { Border = TableBorder.Rounded }.AddColumns("id", "invoice", "version", "event", "reason", "attempts", "error");
            string? token = null;
            var count = 0;
            do
            {
                var path = "/dead-letters?pageSize=200" + (parse.GetValue(subscription) is { } s ? "&subscription=" + Uri.EscapeDataString(s) : "") +
                    (token is null ? "" : "&pageToken=" + Uri.EscapeDataString(token));
                if (await ServerClient.SendAsync(http, HttpMethod.Get, path, parse.InvocationConfiguration.Error, ct) is not { } page) return 1;
                foreach (var d in page.GetProperty("items").EnumerateArray())
                {
                    count++;
                    table.AddRow(Markup.Escape(d.GetProperty("id").GetString()!), Markup.Escape(ServerClient.Str(d, "invoiceNumber") ?? "—"),
                        ServerClient.Str(d, "version") ?? "—", Markup.Escape(ServerClient.Str(d, "eventType") ?? "—"), d.GetProperty("reason").GetString()!,
                        d.GetProperty("attempts").ToString(), Markup.Escape(ServerClient.Str(d, "errorMessage") ?? ""));
                }

                token = ServerClient.Str(page, "nextPageToken");
            }
            while (token is not null);

            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"{count} dead letter(s).");
            return 0;
        });
        return command;
    }

    private static Command ById(string name, string description, HttpMethod method, Func<string, string> path)
    {
        var url = ServerClient.UrlOption();
        var id = new Argument<string>("id") { Description = "The dead letter's id as 'dlq list' shows it (subscription:shardId:sequenceNumber)" };
        var command = new Command(name, description) { url, id };
        command.SetAction(async (parse, ct) =>
        {
            using var http = ServerClient.Create(parse.GetValue(url)!);
            var result = await ServerClient.SendAsync(http, method, path(parse.GetValue(id)!), parse.InvocationConfiguration.Error, ct);
            if (result is null) return 1;
            if (method == HttpMethod.Post && result.Value.TryGetProperty("succeeded", out var ok) && !ok.GetBoolean())
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"eventledger: retry failed again: {ServerClient.Str(result.Value, "error")}; the record stays parked.");
                return 1;
            }

            await parse.InvocationConfiguration.Output.WriteLineAsync(method == HttpMethod.Post ? "Applied; the dead letter is removed." : "Discarded.");
            return 0;
        });
        return command;
    }
}
