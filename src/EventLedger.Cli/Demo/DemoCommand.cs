using System.CommandLine;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using EventLedger.Api.Security;
using EventLedger.Server;
using EventLedger.Cli.Commands;
using EventLedger.Cli.Hosting;
using EventLedger.Archive.Configuration;
using EventLedger.EmbeddedStack;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace EventLedger.Cli.Demo;

/// <summary>
/// <c>eventledger demo</c>: starts the local stack (unless endpoints are configured), sends the sample invoices through the
/// command path over HTTP, waits for the projections with <c>minVersion</c>, and prints each read model beside the
/// sample's expected values. Exits 1 when a read model disagrees.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var command = new Command("demo", "Start the local stack, load the sample invoices through the command path, and print the read models");
        command.SetAction(async (_, ct) => await RunAsync(ct));
        return command;
    }

    private static async Task<int> RunAsync(CancellationToken ct)
    {
        var sample = SampleInvoices.Load();
        using var loggerFactory = ConsoleLogging.CreateFactory(LogLevel.Warning);
        AnsiConsole.MarkupLine("[bold]EventLedger demo[/]");
        LocalStack? stack = null;
        await AnsiConsole.Status().StartAsync("Starting the local stack (DynamoDB Local, PostgreSQL, the AWS emulator)…", async _ =>
            stack = await LocalStack.StartAsync(EmbeddedStackOptions.FromEnvironment() with { NeedAwsEmulator = true }, loggerFactory.CreateLogger("LocalStack"), ct));
        await using var _ = stack!;
        AnsiConsole.MarkupLine($"  DynamoDB: [grey]{Markup.Escape(stack!.DynamoDbEndpoint ?? "AWS")}[/]  PostgreSQL: [grey]{Markup.Escape(Redact(stack.PostgresConnectionString))}[/]");

        var settings = EventLedgerSettings.FromStack(stack, $"demo{DateTime.UtcNow:HHmmss}-");
        settings = settings with { ArchiveDirectory = stack.StartedComponents.Contains(LocalStack.DynamoDbLocal) ? EmbeddedArchive.NewRun(settings.TablePrefix) : null };
        await using var reactions = await ReactionsDemo.StartAsync(settings.AwsEndpoint, settings.TablePrefix, ct);
        await using var app = await EventLedgerWebApp.BuildAsync(settings, port: 0, LogLevel.Warning, ct, configureServices: reactions.Configure);
        await app.StartAsync(ct);
        using var http = new HttpClient { BaseAddress = app.BaseAddress() };
        http.DefaultRequestHeaders.Authorization = app.Services.LocalBearer("demo", LedgerScopes.All, TimeSpan.FromHours(1));
        AnsiConsole.MarkupLine($"  API and projection host on [grey]{app.BaseAddress()}[/], tables prefixed [grey]{settings.TablePrefix}[/]");

        var lastVersion = new Dictionary<string, long>(StringComparer.Ordinal);
        AnsiConsole.MarkupLine($"\n[bold]Sending {sample.Commands.Count} sample commands[/]");
        foreach (var command in sample.Commands)
        {
            using var request = SampleInvoices.ToRequest(command);
            using var response = await http.SendAsync(request, ct);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
            if (!response.IsSuccessStatusCode)
            {
                AnsiConsole.MarkupLine($"[red]{request.Method} {Markup.Escape(request.RequestUri!.ToString())} → {(int)response.StatusCode}[/] {Markup.Escape(body.ToString())}");
                return 1;
            }

            var invoice = body.GetProperty("invoiceNumber").GetString()!;
            lastVersion[invoice] = body.GetProperty("version").GetInt64();
            AnsiConsole.MarkupLine($"  {request.Method,-4} {Markup.Escape(request.RequestUri!.ToString()),-55} → {(int)response.StatusCode} version {lastVersion[invoice]}");
        }

        var mismatches = new List<string>();
        await PrintTotalsAsync(http, sample, lastVersion, mismatches, ct);
        await PrintCountriesAsync(http, sample, lastVersion, mismatches, ct);
        await PrintTransactionsAsync(http, sample, lastVersion, mismatches, ct);
        await PrintHistoryAsync(http, lastVersion, ct);
        await PrintAnalyticsAsync(http, sample, mismatches, ct);
        await PrintSearchAsync(http, lastVersion, mismatches, ct);
        await reactions.RunAsync(http, sample.Commands.Count(c => c.GetProperty("command").GetString() == "recordTransaction") + 1, mismatches, ct);
        await DemoArchive.PrintAsync(http, lastVersion.Values.Sum() + reactions.EventsRecorded, mismatches, ct);

        AnsiConsole.WriteLine();
        if (mismatches.Count == 0)
        {
            AnsiConsole.MarkupLine("[green]✓ Every read model matches the sample's expected values, and the reactions delivered.[/]");
            return 0;
        }

        foreach (var m in mismatches)
        {
            AnsiConsole.MarkupLine($"[red]✗ {Markup.Escape(m)}[/]");
        }

        return 1;
    }

    private static async Task PrintTotalsAsync(HttpClient http, SampleInvoices sample, Dictionary<string, long> versions, List<string> mismatches, CancellationToken ct)
    {
        var table = Table("invoice-totals", "invoice", "total", "currency", "transactions", "version", "expected");
        foreach (var expected in sample.Expected.GetProperty("invoice-totals").EnumerateArray())
        {
            var invoice = expected.GetProperty("invoiceNumber").GetString()!;
            var row = await GetAsync(http, $"/invoices/{invoice}?minVersion={versions[invoice]}&waitMs=15000", ct);
            var ok = row.GetProperty("total").GetDecimal() == expected.GetProperty("total").GetDecimal()
                && row.GetProperty("currency").GetString() == expected.GetProperty("currency").GetString()
                && row.GetProperty("transactionCount").GetInt64() == expected.GetProperty("transactionCount").GetInt64();
            if (!ok) mismatches.Add($"invoice-totals {invoice}: got {row}, expected {expected}");
            table.AddRow(invoice, Num(row.GetProperty("total").GetDecimal()), row.GetProperty("currency").GetString()!,
                row.GetProperty("transactionCount").GetInt64().ToString(CultureInfo.InvariantCulture), row.GetProperty("version").GetInt64().ToString(CultureInfo.InvariantCulture), Check(ok));
        }

        AnsiConsole.Write(table);
    }

    private static async Task PrintCountriesAsync(HttpClient http, SampleInvoices sample, Dictionary<string, long> versions, List<string> mismatches, CancellationToken ct)
    {
        var table = Table("country-counts (counted only where a verifier is assigned)", "invoice", "country", "verifier", "transactionCount", "verifiedTransactionCount", "expected");
        foreach (var byInvoice in sample.Expected.GetProperty("country-counts").EnumerateArray().GroupBy(e => e.GetProperty("invoiceNumber").GetString()!))
        {
            var rows = await GetAsync(http, $"/invoices/{byInvoice.Key}/countries?minVersion={versions[byInvoice.Key]}&waitMs=15000", ct);
            foreach (var expected in byInvoice)
            {
                var country = expected.GetProperty("country").GetString();
                var row = rows.EnumerateArray().FirstOrDefault(r => r.GetProperty("country").GetString() == country);
                var ok = row.ValueKind == JsonValueKind.Object
                    && ServerClient.Str(row, "verifier") == ServerClient.Str(expected, "verifier")
                    && row.GetProperty("transactionCount").GetInt64() == expected.GetProperty("transactionCount").GetInt64()
                    && row.GetProperty("verifiedTransactionCount").GetInt64() == expected.GetProperty("verifiedTransactionCount").GetInt64();
                if (!ok) mismatches.Add($"country-counts {byInvoice.Key}/{country}: got {row}, expected {expected}");
                table.AddRow(byInvoice.Key, country!, Markup.Escape(ServerClient.Str(row, "verifier") ?? "—"),
                    row.ValueKind == JsonValueKind.Object ? row.GetProperty("transactionCount").ToString() : "—",
                    row.ValueKind == JsonValueKind.Object ? row.GetProperty("verifiedTransactionCount").ToString() : "—", Check(ok));
            }
        }

        AnsiConsole.Write(table);
    }

    private static async Task PrintTransactionsAsync(HttpClient http, SampleInvoices sample, Dictionary<string, long> versions, List<string> mismatches, CancellationToken ct)
    {
        foreach (var property in sample.Expected.EnumerateObject().Where(p => p.Name.StartsWith("invoice-transactions ", StringComparison.Ordinal)))
        {
            // "invoice-transactions 1212121 prefix Client1_"
            var words = property.Name.Split(' ');
            var (invoice, prefix) = (words[1], words[3]);
            var rows = await GetAsync(http, $"/invoices/{invoice}/transactions?prefix={Uri.EscapeDataString(prefix)}&minVersion={versions[invoice]}&waitMs=15000", ct);
            var ids = rows.EnumerateArray().Select(r => r.GetProperty("transactionId").GetString()!).ToList();
            var expected = property.Value.EnumerateArray().Select(e => e.GetString()!).ToList();
            var ok = ids.SequenceEqual(expected);
            if (!ok) mismatches.Add($"invoice-transactions {invoice} begins_with {prefix}: got [{string.Join(", ", ids)}], expected [{string.Join(", ", expected)}]");
            var table = Table($"invoice-transactions {invoice}, begins_with(transactionId, \"{prefix}\")", "transactionId", "amount", "country", "invoiceDate", "status", "version");
            foreach (var r in rows.EnumerateArray())
            {
                table.AddRow(r.GetProperty("transactionId").GetString()!, Num(r.GetProperty("amount").GetDecimal()), r.GetProperty("country").GetString()!,
                    r.GetProperty("invoiceDate").GetString()!, r.GetProperty("status").GetString()!, r.GetProperty("version").ToString());
            }

            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"  expected {Markup.Escape("[" + string.Join(", ", expected) + "]")} {Check(ok)}");
        }
    }

    private static async Task PrintHistoryAsync(HttpClient http, Dictionary<string, long> versions, CancellationToken ct)
    {
        var table = Table("invoice-history (audit trail)", "invoice", "version", "event", "recordedAt");
        foreach (var (invoice, version) in versions.OrderBy(v => v.Key, StringComparer.Ordinal))
        {
            var rows = await GetAsync(http, $"/invoices/{invoice}/history?minVersion={version}&waitMs=15000", ct);
            foreach (var r in rows.EnumerateArray())
            {
                table.AddRow(invoice, r.GetProperty("version").ToString(), r.GetProperty("eventType").GetString()!, r.GetProperty("recordedAt").GetDateTimeOffset().ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture));
            }
        }

        AnsiConsole.Write(table);
    }

    private static async Task PrintAnalyticsAsync(HttpClient http, SampleInvoices sample, List<string> mismatches, CancellationToken ct)
    {
        foreach (var property in sample.Expected.EnumerateObject().Where(p => p.Name.StartsWith("analytics daily ", StringComparison.Ordinal)))
        {
            // "analytics daily 2016-06-06 USD"
            var words = property.Name.Split(' ');
            var (day, currency) = (words[2], words[3]);
            var expected = property.Value;
            var expectedCount = expected.GetProperty("transactionCount").GetInt64();

            // Analytics has no per-invoice minVersion: wait (bounded) until PostgreSQL has the sample's transactions.
            JsonElement row = default;
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (true)
            {
                var rows = await GetAsync(http, $"/analytics/daily?from={day}&to={day}", ct);
                row = rows.EnumerateArray().FirstOrDefault(r => r.GetProperty("currency").GetString() == currency);
                if ((row.ValueKind == JsonValueKind.Object && row.GetProperty("transactionCount").GetInt64() >= expectedCount) || DateTime.UtcNow > deadline) break;
                await Task.Delay(50, ct);
            }

            var ok = row.ValueKind == JsonValueKind.Object
                && row.GetProperty("transactionCount").GetInt64() == expectedCount
                && row.GetProperty("totalAmount").GetDecimal() == expected.GetProperty("totalAmount").GetDecimal()
                && row.GetProperty("maxAmount").GetDecimal() == expected.GetProperty("maxAmount").GetDecimal();
            if (!ok) mismatches.Add($"analytics daily {day} {currency}: got {row}, expected {expected}");
            var table = Table($"analytics (PostgreSQL): daily run rate, {day}", "day", "currency", "transactions", "total", "max", "expected");
            if (row.ValueKind == JsonValueKind.Object)
            {
                table.AddRow(day, currency, row.GetProperty("transactionCount").ToString(), Num(row.GetProperty("totalAmount").GetDecimal()),
                    Num(row.GetProperty("maxAmount").GetDecimal()), Check(ok));
            }

            AnsiConsole.Write(table);
        }

        var countries = Table("analytics (PostgreSQL): by country", "country", "currency", "transactions", "total");
        foreach (var r in (await GetAsync(http, "/analytics/countries", ct)).EnumerateArray())
        {
            countries.AddRow(r.GetProperty("country").GetString()!, r.GetProperty("currency").GetString()!, r.GetProperty("transactionCount").ToString(),
                Num(r.GetProperty("totalAmount").GetDecimal()));
        }

        AnsiConsole.Write(countries);
    }

    /// <summary>The seed's document question: which transactions have printers with quantity 2 or more (search on Marten).</summary>
    private static async Task PrintSearchAsync(HttpClient http, Dictionary<string, long> versions, List<string> mismatches, CancellationToken ct)
    {
        var page = await GetAsync(http, $"/search?item=printer&minQuantity=2&invoiceNumber=1212121&minVersion={versions["1212121"]}&waitMs=15000", ct);
        var table = Table("invoice-search (Marten): GET /search?item=printer&minQuantity=2", "invoice", "transaction", "amount", "vendor");
        foreach (var r in page.GetProperty("items").EnumerateArray())
        {
            table.AddRow(r.GetProperty("invoiceNumber").GetString()!, r.GetProperty("transactionId").GetString()!, Num(r.GetProperty("amount").GetDecimal()),
                Markup.Escape(r.GetProperty("document").GetProperty("Vendor Name").GetString()!));
        }

        AnsiConsole.Write(table);
        var found = string.Join(",", page.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("transactionId").GetString()));
        if (found != "Client1_trans1xxxx") mismatches.Add($"search item=printer&minQuantity=2: got [{found}], expected [Client1_trans1xxxx]");
    }

    private static async Task<JsonElement> GetAsync(HttpClient http, string path, CancellationToken ct)
    {
        using var response = await http.GetAsync(path, ct);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
        return response.IsSuccessStatusCode
            ? body
            : throw new InvalidOperationException($"GET {path} → {(int)response.StatusCode}: {body}");
    }

    private static Table Table(string title, params string[] columns)
    {
        var table = new Table { Title = new TableTitle($"\n[bold]{Markup.Escape(title)}[/]"), Border = TableBorder.Rounded };
        foreach (var c in columns) table.AddColumn(c);
        return table;
    }

    private static string Num(decimal d) => d.ToString("0.####", CultureInfo.InvariantCulture);

    private static string Check(bool ok) => ok ? "[green]✓[/]" : "[red]✗[/]";

    private static string Redact(string? connectionString) =>
        connectionString is null ? "none" : string.Join(';', connectionString.Split(';').Where(p => !p.StartsWith("Password", StringComparison.OrdinalIgnoreCase)));
}
