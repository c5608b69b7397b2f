using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EventLedger.Archive.Query;
using EventLedger.Archive.Reading;
using EventLedger.Archive.Targets;
using EventLedger.Domain.Invoices;
using EventLedger.IntegrationTests.Fixtures;
using static EventLedger.IntegrationTests.Archive.ArchiveTestSupport;
using static EventLedger.IntegrationTests.Rebuild.RebuildHarness;

namespace EventLedger.IntegrationTests.Archive;

/// <summary>Ad hoc SQL over the archive (DuckDB): the seed's queries, the CLI's formats, and what a query may not do.</summary>
[Collection(StackCollection.Name)]
public sealed class ArchiveQueryTests(StackFixture stack)
{
    /// <summary>The daily run rate of live amounts over the last three years (README, "Archive").</summary>
    public const string DailyRunRate = """
        select invoice_date,
               sum(case event_type when 'TransactionRecorded' then amount
                                   when 'TransactionAdjusted' then amount - previous_amount
                                   when 'TransactionVoided' then -amount end) as run_rate
        from events
        where invoice_date >= current_date - interval 3 year
        group by invoice_date order by invoice_date
        """;

    /// <summary>The seed's <c>max/sum/count group by day</c> over the recorded transactions.</summary>
    public const string MaxSumCountByDay = """
        select invoice_date, max(amount) as max_amount, sum(amount) as total, count(*) as transactions
        from events where event_type = 'TransactionRecorded'
        group by invoice_date order by invoice_date
        """;

    [Fact]
    public async Task The_seeds_daily_run_rate_and_max_sum_count_by_day_answer_from_the_archive()
    {
        var directory = NewDirectory("seedq");
        await using var app = await StartAsync(stack, "ar-query", LocalDirectory(directory));
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var log = new EventLedger.Projections.Tests.Support.EventLog();
        var days = new[] { today.AddDays(-1), today.AddDays(-400), today.AddYears(-2), today.AddYears(-5) };
        for (var i = 0; i < 40; i++)
        {
            var invoice = log.On($"Q-{i % 8}");
            invoice.Record($"t{i}", (i * 37 % 200) - 20.125m, "USA", invoiceDate: days[i % days.Length]);
        }

        // Written as given: the events carry their transaction's invoice date, as the decider makes them.
        log.Append("Q-0", new TransactionAdjusted("t0", 500, -20.125m, "USD", "USA", days[0], "adjusted"));
        log.Append("Q-1", new TransactionVoided("t1", 16.875m, "USD", "USA", days[1], null, "voided"));
        await SeedAsync(stack.DynamoDb, app.Settings.TablePrefix, log.Events);
        await WaitUntilArchivedAsync(app.Http, log.Events.Count);

        var recorded = log.Events.Select(e => e.Data).OfType<TransactionRecorded>().ToList();
        var engine = Engine(directory);
        var byDay = await engine.RunAsync(MaxSumCountByDay, 1000, default);
        Assert.Equal(
            recorded.GroupBy(r => r.InvoiceDate).OrderBy(g => g.Key).Select(g => $"{g.Key:yyyy-MM-dd} {g.Max(r => r.Amount):0.0000} {g.Sum(r => r.Amount):0.####} {g.Count()}"),
            byDay.Rows.Select(r => $"{QueryResultFormat.Text(r[0])} {(decimal)r[1]!:0.0000} {(decimal)r[2]!:0.####} {r[3]}"));

        // Live amounts per day: what analytics answers from PostgreSQL, here from the raw events.
        var live = new Dictionary<string, (DateOnly Day, decimal Amount)>();
        foreach (var e in log.Events)
        {
            switch (e.Data)
            {
                case TransactionRecorded r: live[$"{e.StreamId}/{r.TransactionId}"] = (r.InvoiceDate, r.Amount); break;
                case TransactionAdjusted a: live[$"{e.StreamId}/{a.TransactionId}"] = live[$"{e.StreamId}/{a.TransactionId}"] with { Amount = a.NewAmount }; break;
                case TransactionVoided v: live.Remove($"{e.StreamId}/{v.TransactionId}"); break;
            }
        }

        var runRate = await engine.RunAsync(DailyRunRate, 1000, default);
        Assert.Equal(
            live.Values.Where(t => t.Day >= today.AddYears(-3)).GroupBy(t => t.Day).OrderBy(g => g.Key).Select(g => $"{g.Key:yyyy-MM-dd} {g.Sum(t => t.Amount):0.####}"),
            runRate.Rows.Select(r => $"{QueryResultFormat.Text(r[0])} {(decimal)r[1]!:0.####}"));
        Assert.Equal(3, runRate.Rows.Count); // five years ago is outside
    }

    [Fact]
    public async Task The_cli_prints_a_table_csv_or_json_and_refuses_bad_sql_and_files_outside_the_archive()
    {
        var directory = NewDirectory("cliq");
        await using var app = await StartAsync(stack, "ar-cli", LocalDirectory(directory));
        var log = new EventLedger.Projections.Tests.Support.EventLog();
        log.On("C-1").Record("t1", 12.5m, "USA").Record("t2", 7, "UK");
        log.On("C-2").Record("t1", 1, "DE", "EUR");
        await SeedAsync(stack.DynamoDb, app.Settings.TablePrefix, log.Events);
        await WaitUntilArchivedAsync(app.Http, 3);

        var table = await CliAsync(directory, "archive", "query", "select count(*) as events from events");
        Assert.Equal(0, table.Exit);
        Assert.Contains("events", table.Output, StringComparison.Ordinal);
        Assert.Contains("│ 3 ", table.Output, StringComparison.Ordinal);

        var csv = await CliAsync(directory, "archive", "query", "select stream_id, sum(amount) as total from events group by 1 order by 1", "--format", "csv");
        Assert.Equal(0, csv.Exit);
        Assert.Equal("stream_id,total\r\nC-1,19.5\r\nC-2,1\r\n", csv.Output);

        var json = await CliAsync(directory, "archive", "query", "select stream_id, version, invoice_date from events order by 1, 2", "--format", "json");
        Assert.Equal(0, json.Exit);
        var rows = JsonDocument.Parse(json.Output).RootElement.EnumerateArray().ToList();
        Assert.Equal(3, rows.Count);
        Assert.Equal("C-1", rows[0].GetProperty("stream_id").GetString());
        Assert.Equal(2, rows[1].GetProperty("version").GetInt64());
        Assert.Equal("2016-06-06", rows[2].GetProperty("invoice_date").GetString());

        var bad = await CliAsync(directory, "archive", "query", "select nothing from nowhere");
        Assert.Equal(1, bad.Exit);
        Assert.Contains("the query failed", bad.Errors, StringComparison.Ordinal);
        Assert.Empty(bad.Output);

        var outside = await CliAsync(directory, "archive", "query", "select * from read_text('/etc/hostname')");
        Assert.Equal(1, outside.Exit);
        Assert.Contains("disabled by configuration", outside.Errors, StringComparison.Ordinal);

        var format = await CliAsync(directory, "archive", "query", "select 1", "--format", "xml");
        Assert.NotEqual(0, format.Exit);
    }

    [Fact]
    public async Task An_empty_archive_answers_with_no_rows_rather_than_an_error()
    {
        var result = await Engine(NewDirectory("empty")).RunAsync("select count(*), max(amount) from events", 10, default);
        Assert.Equal(0L, Assert.Single(result.Rows)[0]);
    }

    [Fact]
    public async Task A_wrong_archive_setting_stops_the_cli_with_its_name_and_nothing_else()
    {
        var (exit, output, errors) = await CliAsync(NewDirectory("badcfg"), ("Archive__BufferSize", "lots"), "archive", "query", "select 1");
        Assert.Equal(1, exit);
        Assert.Empty(output);
        Assert.StartsWith("eventledger: Archive configuration: Archive__BufferSize must be 1 byte to 128MB", errors, StringComparison.Ordinal);
    }

    private static ArchiveQueryEngine Engine(string directory) => new(new ArchiveObjectCache(new LocalDirectoryTarget(directory), directory));

    /// <summary>The real CLI as a child process, configured by the environment as an operator would.</summary>
    private static Task<(int Exit, string Output, string Errors)> CliAsync(string directory, params string[] args) =>
        CliAsync(directory, (null, null), args);

    private static async Task<(int Exit, string Output, string Errors)> CliAsync(string directory, (string? Name, string? Value) extra, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "eventledger.dll"), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["Archive__Directory"] = directory;
        start.Environment["COLUMNS"] = "200";
        if (extra.Name is not null) start.Environment[extra.Name] = extra.Value;
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await errors);
    }
}
