using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace EventLedger.Cli.Commands;

/// <summary><c>eventledger projections status|rebuild|cancel</c>.</summary>
public static class ProjectionsCommand
{
    public static Command Create()
    {
        var command = new Command("projections", "Read models: status, rebuild");
        command.Subcommands.Add(Status());
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
                        $"v{v.GetProperty("version")} {Short(s.GetProperty("shardId").GetString())} {s.GetProperty("state").GetString()} ({Short(Str(s, "owner"))} → {Short(Str(s, "checkpoint"))})"));
                table.AddRow(
                    m.GetProperty("name").GetString()!,
                    m.GetProperty("schemaVersion").ToString(),
                    m.GetProperty("activeVersion").ToString(),
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

    internal static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string Short(string? s) => s is null ? "—" : s.Length <= 24 ? s : "…" + s[^20..];
}
