using System.CommandLine;
using System.Globalization;
using Spectre.Console;

namespace EventLedger.Cli.Commands;

/// <summary><c>eventledger analytics daily [--from] [--to]</c> and <c>analytics countries</c>, from a running server.</summary>
internal static class AnalyticsCommand
{
    public static Command Create()
    {
        var command = new Command("analytics", "Analytics from PostgreSQL: totals by invoice date and by country");
        var url = ServerClient.UrlOption();
        var from = new Option<string>("--from") { Description = "First invoice date, yyyy-MM-dd (default: the earliest)" };
        var to = new Option<string>("--to") { Description = "Last invoice date, yyyy-MM-dd (default: the latest)" };
        var daily = new Command("daily", "Live transactions by invoice date and currency: count, total, max") { url, from, to };
        daily.SetAction(async (parse, ct) =>
        {
            using var http = ServerClient.Create(parse.GetValue(url)!);
            var range = new[] { ("from", parse.GetValue(from)), ("to", parse.GetValue(to)) }
                .Where(p => p.Item2 is not null).Select(p => $"{p.Item1}={Uri.EscapeDataString(p.Item2!)}");
            var path = $"/analytics/daily?{string.Join('&', range)}";
            if (await ServerClient.SendAsync(http, HttpMethod.Get, path, parse.InvocationConfiguration.Error, ct) is not { } rows) return 1;
            var table = new Table { Border = TableBorder.Rounded }.AddColumns("day", "currency", "transactions", "total", "max");
            foreach (var r in rows.EnumerateArray())
            {
                table.AddRow(r.GetProperty("day").GetString()!, r.GetProperty("currency").GetString()!, r.GetProperty("transactionCount").ToString(),
                    Num(r.GetProperty("totalAmount").GetDecimal()), Num(r.GetProperty("maxAmount").GetDecimal()));
            }

            AnsiConsole.Write(table);
            return 0;
        });

        var countryUrl = ServerClient.UrlOption();
        var countries = new Command("countries", "Live transactions by country and currency: count, total") { countryUrl };
        countries.SetAction(async (parse, ct) =>
        {
            using var http = ServerClient.Create(parse.GetValue(countryUrl)!);
            if (await ServerClient.SendAsync(http, HttpMethod.Get, "/analytics/countries", parse.InvocationConfiguration.Error, ct) is not { } rows) return 1;
            var table = new Table { Border = TableBorder.Rounded }.AddColumns("country", "currency", "transactions", "total");
            foreach (var r in rows.EnumerateArray())
            {
                table.AddRow(r.GetProperty("country").GetString()!, r.GetProperty("currency").GetString()!, r.GetProperty("transactionCount").ToString(),
                    Num(r.GetProperty("totalAmount").GetDecimal()));
            }

            AnsiConsole.Write(table);
            return 0;
        });
        command.Subcommands.Add(daily);
        command.Subcommands.Add(countries);
        return command;
    }

    private static string Num(decimal d) => d.ToString("0.####", CultureInfo.InvariantCulture);
}
