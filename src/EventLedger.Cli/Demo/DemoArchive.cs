using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Spectre.Console;

namespace EventLedger.Cli.Demo;

/// <summary>The demo's last step: waits until the archive has stored every event sent and verifies it, then says how to query it.</summary>
internal static class DemoArchive
{
    public static async Task PrintAsync(HttpClient http, long eventsSent, List<string> mismatches, CancellationToken ct)
    {
        JsonElement report = default;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var response = await http.GetAsync("/archive/status", ct);
            if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                return; // no archive in this configuration
            }

            report = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
            if ((report.GetProperty("complete").GetBoolean() && report.GetProperty("archivedEvents").GetInt64() >= eventsSent) || DateTime.UtcNow > deadline) break;
            await Task.Delay(250, ct);
        }

        var archived = report.GetProperty("archivedEvents").GetInt64();
        var ok = report.GetProperty("complete").GetBoolean() && archived == eventsSent;
        if (!ok) mismatches.Add($"archive: {archived} of {eventsSent} events stored; {string.Join(" ", report.GetProperty("problems").EnumerateArray().Select(p => p.GetString()))}");
        var table = new Table { Title = new TableTitle("\n[bold]archive (Parquet, verified against the event store)[/]"), Border = TableBorder.Rounded }
            .AddColumns("location", "objects", "events", "verified", "expected");
        table.AddRow(Markup.Escape(report.GetProperty("location").GetString()!), report.GetProperty("objects").ToString(),
            archived.ToString(CultureInfo.InvariantCulture), report.GetProperty("complete").GetBoolean() ? "complete" : "incomplete",
            ok ? "[green]✓[/]" : "[red]✗[/]");
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine("  Query it after the demo: [bold]./eventledger archive query \"select count(*) from events\"[/]");
    }
}
