using System.Diagnostics;
using EventLedger.Benchmarks.Infrastructure;
using EventLedger.Domain.Invoices;
using EventLedger.EmbeddedStack;
using EventLedger.EventStore.Events;
using EventLedger.Projections.Analytics;
using EventLedger.Projections.Contracts;
using Npgsql;
using NpgsqlTypes;

namespace EventLedger.Benchmarks.Scenarios;

/// <summary>
/// The analytics read model (brief §10): catch-up of N skewed events through <see cref="AnalyticsProjection.ApplyAsync"/>
/// in stream-sized batches with checkpoints, next to raw binary COPY of the same rows (facts, transactions, invoices)
/// into the same tables of a fresh schema in the same run; then the daily and per-country queries at ~1,000,000 facts
/// (loaded through the rebuild's bulk path, <see cref="AnalyticsProjection.LoadPageAsync"/>), each timed several times, p50 reported.
/// </summary>
public static class AnalyticsScenario
{
    public static async Task RunAsync(LocalStack stack, BenchOptions options, int eventCount, int queryFacts, int batchSize, CancellationToken ct)
    {
        var report = new BenchReport("analytics", "Analytics read model (PostgreSQL)");
        var connection = stack.PostgresConnectionString ?? throw new InvalidOperationException("No PostgreSQL in the local stack.");
        var run = $"{DateTime.UtcNow:HHmmss}";

        Console.WriteLine($"Analytics scenario: generating {eventCount:N0} skewed events…");
        var events = new SkewedEventGenerator(7).Generate(eventCount);

        // (1) the projection, batch by batch, each batch one transaction with its checkpoint.
        await using var projected = AnalyticsStore.Create(connection, $"bench_proj_{run}");
        await projected.MigrateAsync(ct);
        var projection = new AnalyticsProjection(projected);
        var warm = AnalyticsStore.Create(connection, $"bench_warm_{run}");
        await using (warm)
        {
            await warm.MigrateAsync(ct);
            var warmProjection = new AnalyticsProjection(warm);
            foreach (var chunk in new SkewedEventGenerator(99).Generate(5_000).Chunk(batchSize))
            {
                await warmProjection.ApplyAsync(new ProjectionBatch(chunk, null), ct);
            }

            await warm.DropSchemaAsync(ct);
        }

        long applied = 0;
        var clock = Stopwatch.StartNew();
        using (Progress.Every(() => $"analytics projection: {Interlocked.Read(ref applied):N0}/{events.Count:N0} ({Interlocked.Read(ref applied) / clock.Elapsed.TotalSeconds:N0}/s)"))
        {
            var batchNumber = 0;
            foreach (var chunk in events.Chunk(batchSize))
            {
                batchNumber++;
                var position = new StreamPosition("analytics-v1", "shardId-bench", $"{batchNumber:D21}");
                await projection.ApplyAsync(new ProjectionBatch(chunk, position), ct);
                Interlocked.Add(ref applied, chunk.Length);
            }
        }

        var projectionSeconds = clock.Elapsed.TotalSeconds;
        Progress.Done();
        var projectionRate = events.Count / projectionSeconds;
        Console.WriteLine($"  projection: {events.Count:N0} events in {projectionSeconds:F1} s = {projectionRate:N0} events/s");

        // (2) raw binary COPY of the same rows into the same tables (fresh schema, indexes in place).
        await using var copied = AnalyticsStore.Create(connection, $"bench_copy_{run}");
        await copied.MigrateAsync(ct);
        var rows = RawAnalyticsCopy.RowsOf(events);
        clock.Restart();
        await using (var dataSource = NpgsqlDataSource.Create(connection))
        await using (var conn = await dataSource.OpenConnectionAsync(ct))
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            await RawAnalyticsCopy.CopyAsync(conn, copied.Schema, rows, ct);
            await tx.CommitAsync(ct);
        }

        var copySeconds = clock.Elapsed.TotalSeconds;
        var copyRate = events.Count / copySeconds;
        var copyRows = rows.Facts.Count + rows.Transactions.Count + rows.Invoices.Count;
        Console.WriteLine($"  raw COPY: {copyRows:N0} rows ({events.Count:N0} events) in {copySeconds:F2} s = {copyRows / copySeconds:N0} rows/s");

        // Same content: counts and sums of both schemas.
        var a = await SummaryAsync(connection, projected.Schema, ct);
        var b = await SummaryAsync(connection, copied.Schema, ct);
        if (a != b)
        {
            throw new InvalidOperationException($"PROJECTION AND RAW COPY DIFFER: {a} vs {b}");
        }

        Console.WriteLine($"  same content: {a}");

        // (3) queries at ~1,000,000 facts.
        var queryEvents = (int)(queryFacts / 0.9);
        Console.WriteLine($"  bulk-loading {queryEvents:N0} events (~{queryFacts:N0} facts) for the queries…");
        await using var big = AnalyticsStore.Create(connection, $"bench_big_{run}");
        await big.MigrateAsync(ct);
        clock.Restart();
        // The rebuild's bulk path (AnalyticsProjection.LoadPageAsync, what BulkLoadPhase calls per scanned page).
        var bulk = new AnalyticsProjection(big);
        long read = 0;
        using (Progress.Every(() => $"bulk load: {Interlocked.Read(ref read):N0}/{queryEvents:N0} events"))
        {
            foreach (var page in new SkewedEventGenerator(11).Stream(queryEvents).Chunk(5_000))
            {
                Interlocked.Add(ref read, await bulk.LoadPageAsync(page, ct));
            }
        }

        Progress.Done();
        var loadSeconds = clock.Elapsed.TotalSeconds;
        var loaded = await CountsAsync(connection, big.Schema, read, ct);
        Console.WriteLine($"  bulk load: {loaded.Events:N0} events, {loaded.Facts:N0} facts, {loaded.Transactions:N0} transactions in {loadSeconds:F1} s");
        await using (var dataSource = NpgsqlDataSource.Create(connection))
        await using (var analyze = dataSource.CreateCommand($"analyze {big.Schema}.facts; analyze {big.Schema}.transactions; analyze {big.Schema}.invoices"))
        {
            await analyze.ExecuteNonQueryAsync(ct);
        }

        var queries = new AnalyticsQueries(big);
        var from = new DateOnly(2026, 1, 1);
        var to = new DateOnly(2026, 3, 1);
        var month = new DateOnly(2026, 1, 31);
        var dailyAll = await TimeAsync(() => queries.DailyAsync(from, to, ct));
        var dailyMonth = await TimeAsync(() => queries.DailyAsync(from, month, ct));
        var countries = await TimeAsync(() => queries.CountriesAsync(ct));

        report.Add(new("analytics projection catch-up (AnalyticsProjection.ApplyAsync, one transaction + checkpoint per batch)", projectionRate, "events/s",
            "target", 10_000, 1, $"{events.Count:N0} events in batches of {batchSize:N0}"));
        report.Add(new("analytics projection vs raw binary COPY of the same rows", projectionRate, "events/s",
            "raw COPY into the same tables", copyRate, null, $"COPY: {copyRows:N0} rows in {copySeconds:F2} s = {copyRows / copySeconds:N0} rows/s"));
        report.Add(new("rebuild bulk path (LoadPageAsync: pages of 5,000, COPY into staging + guarded merge)", loaded.Events / loadSeconds, "events/s", "raw COPY above", copyRate, null,
            $"{loaded.Events:N0} events, {loaded.Facts:N0} facts, {loaded.Transactions:N0} transactions in {loadSeconds:F1} s"));
        report.Add(new($"GET /analytics/daily query, 60 days, at {loaded.Facts:N0} facts, p50", dailyAll.P50, "ms", "", null, null, $"{dailyAll.Rows} rows; p50 of {dailyAll.Runs} runs, max {dailyAll.Max:F1} ms"));
        report.Add(new($"daily query, 31 days, at {loaded.Facts:N0} facts, p50", dailyMonth.P50, "ms", "", null, null, $"{dailyMonth.Rows} rows; p50 of {dailyMonth.Runs} runs, max {dailyMonth.Max:F1} ms"));
        report.Add(new($"GET /analytics/countries query at {loaded.Facts:N0} facts, p50", countries.P50, "ms", "", null, null, $"{countries.Rows} rows; p50 of {countries.Runs} runs, max {countries.Max:F1} ms"));
        report.Note($"Catch-up input: {events.Count:N0} skewed events (hot invoices, cold bursts, records/adjustments/voids/verifier changes; see the catch-up section), " +
            $"applied in batches of {batchSize:N0} (a stream page) after a 5,000-event warm-up in a throw-away schema. Raw COPY writes the same facts, final transaction " +
            "states and invoice versions in one transaction with binary COPY into a freshly migrated schema (indexes in place). Both schemas end with the same counts and sums.");
        report.Note("The queries run against the transactions table (live rows at current amounts, partial indexes on live rows); " +
            "each was run 7 times after one untimed run, after ANALYZE. " + CatchupScenario.Load());
        report.WriteTo(options.ReportPath);
    }

    private static async Task<string> SummaryAsync(string connection, string schema, CancellationToken ct)
    {
        await using var dataSource = NpgsqlDataSource.Create(connection);
        await using var command = dataSource.CreateCommand($"""
            select (select count(*) from {schema}.facts), (select coalesce(sum(amount_delta), 0) from {schema}.facts),
                   (select count(*) from {schema}.transactions), (select coalesce(sum(amount), 0) from {schema}.transactions where status = 'live'),
                   (select count(*) from {schema}.invoices), (select coalesce(sum(applied_version), 0) from {schema}.invoices)
            """);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return $"facts {reader.GetInt64(0):N0} (Σ delta {reader.GetDecimal(1)}), transactions {reader.GetInt64(2):N0} (Σ live {reader.GetDecimal(3)}), invoices {reader.GetInt64(4):N0} (Σ version {reader.GetDecimal(5)})";
    }

    private sealed record Timing(double P50, double Max, int Rows, int Runs);

    private static async Task<Timing> TimeAsync<T>(Func<Task<IReadOnlyList<T>>> query)
    {
        const int runs = 7;
        var rows = (await query()).Count;
        var times = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var clock = Stopwatch.StartNew();
            rows = (await query()).Count;
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        return new Timing(times[runs / 2], times[^1], rows, runs);
    }

    private sealed record LoadedCounts(long Events, long Facts, long Transactions);

    private static async Task<LoadedCounts> CountsAsync(string connection, string schema, long events, CancellationToken ct)
    {
        await using var dataSource = NpgsqlDataSource.Create(connection);
        await using var command = dataSource.CreateCommand($"select (select count(*) from {schema}.facts), (select count(*) from {schema}.transactions)");
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new LoadedCounts(events, reader.GetInt64(0), reader.GetInt64(1));
    }
}
