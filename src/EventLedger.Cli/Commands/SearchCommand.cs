using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using EventLedger.Projections.Search;
using Spectre.Console;

namespace EventLedger.Cli.Commands;

/// <summary><c>eventledger search [q] --vendor --item --min-quantity …</c>: <c>GET /search</c> of a running server, as a table.</summary>
internal static class SearchCommand
{
    public static Command Create()
    {
        var url = ServerClient.UrlOption();
        var text = new Argument<string?>("q") { Description = "Full text in web-search syntax, e.g. 'printer -desktop \"Vendor1 Inc\"'", Arity = ArgumentArity.ZeroOrOne };
        var filters = new (Option<string> Option, string Parameter)[]
        {
            (new Option<string>("--vendor") { Description = "Vendor name contains this (case-insensitive), e.g. 1" }, "vendor"),
            (new Option<string>("--item") { Description = "Has an item line with this name, e.g. printer" }, "item"),
            (new Option<string>("--min-quantity") { Description = "… with at least this quantity (needs --item)" }, "minQuantity"),
            (new Option<string>("--max-quantity") { Description = "… with at most this quantity (needs --item)" }, "maxQuantity"),
            (new Option<string>("--country") { Description = "Transaction country, exactly" }, "country"),
            (new Option<string>("--currency") { Description = "ISO 4217 currency, e.g. USD" }, "currency"),
            (new Option<string>("--invoice") { Description = "Invoice number" }, "invoiceNumber"),
            (new Option<string>("--from") { Description = "First invoice date, yyyy-MM-dd" }, "from"),
            (new Option<string>("--to") { Description = "Last invoice date, yyyy-MM-dd" }, "to"),
            (new Option<string>("--status") { Description = "live (default), voided or all" }, "status"),
            (new Option<string>("--limit") { Description = "Results per page, 1-500 (default 50)" }, "limit"),
            (new Option<string>("--cursor") { Description = "Next page: the cursor the previous page printed" }, "cursor"),
        };
        var command = new Command("search", "Search the invoice documents (full text, vendor, items and quantities, fields)") { url, text };
        foreach (var (option, _) in filters) command.Options.Add(option);
        command.SetAction(async (parse, ct) =>
        {
            var query = new List<string>();
            if (parse.GetValue(text) is { } q) query.Add($"q={Uri.EscapeDataString(q)}");
            foreach (var (option, parameter) in filters)
            {
                if (parse.GetValue(option) is { } value) query.Add($"{parameter}={Uri.EscapeDataString(value)}");
            }

            using var http = ServerClient.Create(parse.GetValue(url)!);
            var path = "/search" + (query.Count > 0 ? "?" + string.Join('&', query) : "");
            if (await ServerClient.SendAsync(http, HttpMethod.Get, path, parse.InvocationConfiguration.Error, ct) is not { } page) return 1;
            Print(page, parse.InvocationConfiguration.Output);
            return 0;
        });
        return command;
    }

    private static void Print(JsonElement page, TextWriter output)
    {
        var table = new Table { Border = TableBorder.Rounded }
            .AddColumns("invoice", "transaction", "amount", "currency", "country", "date", "status", "score", "vendor", "items");
        var items = page.GetProperty("items");
        foreach (var hit in items.EnumerateArray())
        {
            JsonElement? document = hit.GetProperty("document") is { ValueKind: JsonValueKind.Object } d ? d : null;
            table.AddRow(
                Markup.Escape(hit.GetProperty("invoiceNumber").GetString()!),
                Markup.Escape(hit.GetProperty("transactionId").GetString()!),
                hit.GetProperty("amount").GetDecimal().ToString("0.####", CultureInfo.InvariantCulture),
                hit.GetProperty("currency").GetString()!,
                Markup.Escape(hit.GetProperty("country").GetString()!),
                hit.GetProperty("invoiceDate").GetString()!,
                hit.GetProperty("status").GetString()!,
                hit.GetProperty("score") is { ValueKind: JsonValueKind.Number } s ? s.GetDouble().ToString("0.####", CultureInfo.InvariantCulture) : "",
                Markup.Escape(InvoiceDocFields.Vendor(document) ?? ""),
                Markup.Escape(ItemsSummary(document)));
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(output) });
        if (!ReferenceEquals(output, Console.Out) || Console.IsOutputRedirected)
        {
            // Not a terminal: no width to fit, so do not wrap ids and names inside their cells.
            console.Profile.Width = 240;
        }

        console.Write(table);
        console.WriteLine($"{items.GetArrayLength()} result(s)" + (page.GetProperty("next") is { ValueKind: JsonValueKind.String } next
            ? $"; next page: --cursor {next.GetString()}"
            : ""));
    }

    /// <summary>The document's item lines as <c>printer×2, laptops×2</c>, read the way the read model reads them.</summary>
    private static string ItemsSummary(JsonElement? document) =>
        string.Join(", ", InvoiceDocFields.Items(document).Select(i => i.Quantity is { } q ? $"{i.Name}×{q.ToString(CultureInfo.InvariantCulture)}" : i.Name));
}
