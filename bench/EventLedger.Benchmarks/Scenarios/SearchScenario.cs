using System.Diagnostics;
using System.Text.Json;
using EventLedger.Benchmarks.Infrastructure;
using EventLedger.Domain.Invoices;
using EventLedger.EmbeddedStack;
using EventLedger.EventStore.Events;
using EventLedger.Projections.Contracts;
using EventLedger.Projections.Search;
using Npgsql;
using NpgsqlTypes;

namespace EventLedger.Benchmarks.Scenarios;

/// <summary>
/// The invoice-search read model on Marten (issue 12, item 6), each figure beside raw binary COPY of the same documents in
/// the same run: catch-up through <see cref="InvoiceSearchProjection.ApplyAsync"/> in stream-sized batches with
/// checkpoints; a rebuild through the bulk path (<see cref="InvoiceSearchProjection.LoadPageAsync"/>, pages in order);
/// then, on the rebuilt documents, query latency p50/p99 for a rare term, a common term, a vendor substring and an item
/// with a quantity. Documents are realistic and seeded (vendors, item lines, quantities, references).
/// </summary>
public static class SearchScenario
{
    private static readonly string[] Items =
    [
        "printer", "desktops", "laptops", "monitor", "keyboard", "mouse", "scanner", "toner", "docking station", "headset",
        "webcam", "router", "switch", "ups", "projector", "tablet", "phone", "cable", "charger", "server",
    ];

    private static readonly string[] Suffixes = ["Inc", "GmbH", "Ltd", "AB", "SA", "LLC"];
    private static readonly string[] Countries = ["USA", "UK", "China", "Germany", "France", "Japan", "Brazil", "India"];

    public static async Task RunAsync(LocalStack stack, BenchOptions options, int eventCount, int batchSize, CancellationToken ct)
    {
        var report = new BenchReport("search", "Search read model (Marten on PostgreSQL)");
        var connection = stack.PostgresConnectionString ?? throw new InvalidOperationException("No PostgreSQL in the local stack.");
        var run = $"{DateTime.UtcNow:HHmmss}";
        await using var dataSource = NpgsqlDataSource.Create(connection);

        Console.WriteLine($"Search scenario: generating {eventCount:N0} events with documents…");
        var events = Generate(seed: 12, eventCount);
        var documents = InvoiceSearchFold.ApplyBatch(new Dictionary<string, InvoiceSearchDocument>(), events).Values.ToList();

        // Warm-up (Marten's first session, JIT) in a throw-away schema.
        await using (var warm = new InvoiceSearchStore(dataSource, $"bench_search_warm_{run}"))
        {
            await warm.MigrateAsync(ct);
            foreach (var chunk in Generate(seed: 99, 3_000).Chunk(batchSize)) await new InvoiceSearchProjection(warm).ApplyAsync(new ProjectionBatch(chunk, null), ct);
            await warm.DropSchemaAsync(ct);
        }

        // (1) catch-up: one transaction per batch, documents and checkpoint together.
        await using var projected = new InvoiceSearchStore(dataSource, $"bench_search_proj_{run}");
        await projected.MigrateAsync(ct);
        var projection = new InvoiceSearchProjection(projected) { Phases = new InvoiceSearchPhases() };
        long applied = 0;
        // This program holds the million events and their documents (~2 GB); a full collection now keeps its garbage
        // collector from tracing that heap in the middle of the timed catch-up, and the pauses it does take are reported.
        var gc = GcWatch.Start();
        var clock = Stopwatch.StartNew();
        using (Progress.Every(() => $"search catch-up: {Interlocked.Read(ref applied):N0}/{events.Count:N0} ({Interlocked.Read(ref applied) / clock.Elapsed.TotalSeconds:N0}/s)"))
        {
            var batchNumber = 0;
            foreach (var chunk in events.Chunk(batchSize))
            {
                await projection.ApplyAsync(new ProjectionBatch(chunk, new StreamPosition("invoice-search-v1", "shardId-bench", $"{++batchNumber:D21}")), ct);
                Interlocked.Add(ref applied, chunk.Length);
            }
        }

        Progress.Done();
        var catchupRate = events.Count / clock.Elapsed.TotalSeconds;
        Console.WriteLine($"  catch-up: {events.Count:N0} events in {clock.Elapsed.TotalSeconds:F1} s = {catchupRate:N0} events/s");
        var catchupGc = gc.Stop();
        Console.WriteLine($"  benchmark process during the catch-up: {catchupGc}");
        var phases = projection.Phases.Totals();
        Console.WriteLine("  catch-up per step: " + string.Join(", ", phases.Select(p => $"{p.Phase} {p.Seconds:F1} s ({p.Seconds / phases.Sum(q => q.Seconds):P0})")));

        // (2) rebuild: the bulk path, pages of a scan in order, into a fresh schema; the first page drops the secondary
        // indexes and the load ends by building them and analyzing (what the engine's catch-up start does).
        await using var rebuilt = new InvoiceSearchStore(dataSource, $"bench_search_bulk_{run}");
        await rebuilt.MigrateAsync(ct);
        var bulk = new InvoiceSearchProjection(rebuilt);
        clock.Restart();
        // A scan of the event store returns an invoice's events together (items by partition, then by version), so an
        // invoice spans at most a page boundary: the pages come in that order, not in append order.
        foreach (var page in events.OrderBy(e => e.StreamId, StringComparer.Ordinal).ThenBy(e => e.Version).Chunk(1_000)) await bulk.LoadPageAsync(page, ct);
        var rebuildLoadSeconds = clock.Elapsed.TotalSeconds;
        await bulk.FinishBulkLoadAsync(ct);
        var rebuildSeconds = clock.Elapsed.TotalSeconds;
        var rebuildRate = events.Count / rebuildSeconds;
        Console.WriteLine($"  rebuild (bulk insert pages, then indexes): {events.Count:N0} events in {rebuildSeconds:F1} s ({rebuildLoadSeconds:F1} s load) = {rebuildRate:N0} events/s");

        // (3) the peer: raw binary COPY of the same final documents (serialized beforehand, so COPY is timed alone) into
        // the same table shape (a fresh schema of the same mapping: same columns, the generated search vector), its
        // secondary indexes dropped first and built after the load by the same code, then ANALYZE: the same physical
        // work as the rebuild minus the event fold, the page lookups and the serialization.
        await using var copied = new InvoiceSearchStore(dataSource, $"bench_search_copy_{run}");
        await copied.MigrateAsync(ct);
        await copied.DropSecondaryIndexesAsync(ct);
        var serializer = copied.Documents.Options.Serializer();
        var rows = documents.Select(d => (Doc: d, Json: serializer.ToJson(d))).ToList();
        var dotnetType = typeof(InvoiceSearchDocument).FullName!;
        clock.Restart();
        await using (var conn = await dataSource.OpenConnectionAsync(ct))
        await using (var writer = await conn.BeginBinaryImportAsync(
            $"copy {copied.DocumentTable} (id, data, mt_version, mt_dotnet_type, invoice_number, country, currency, invoice_date, status, item_names) from stdin (format binary)", ct))
        {
            foreach (var (d, data) in rows)
            {
                await writer.StartRowAsync(ct);
                await writer.WriteAsync(d.Id, NpgsqlDbType.Varchar, ct);
                await writer.WriteAsync(data, NpgsqlDbType.Jsonb, ct);
                await writer.WriteAsync(1L, NpgsqlDbType.Bigint, ct);
                await writer.WriteAsync(dotnetType, NpgsqlDbType.Varchar, ct);
                await writer.WriteAsync(d.InvoiceNumber, NpgsqlDbType.Varchar, ct);
                await writer.WriteAsync(d.Country, NpgsqlDbType.Varchar, ct);
                await writer.WriteAsync(d.Currency, NpgsqlDbType.Varchar, ct);
                await writer.WriteAsync(d.InvoiceDate, NpgsqlDbType.Date, ct);
                await writer.WriteAsync(d.Status, NpgsqlDbType.Varchar, ct);
                await writer.WriteAsync(d.ItemNames, NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
            }

            await writer.CompleteAsync(ct);
        }

        var copyLoadSeconds = clock.Elapsed.TotalSeconds;
        await copied.MigrateAsync(ct);
        var copySeconds = clock.Elapsed.TotalSeconds;
        var copyEventRate = events.Count / copySeconds;
        var copyLoadEventRate = events.Count / copyLoadSeconds;
        Console.WriteLine($"  raw COPY: {rows.Count:N0} documents in {copyLoadSeconds:F2} s, with the same indexes built after it {copySeconds:F2} s");
        await copied.DropSchemaAsync(ct);

        // Same content both ways.
        var a = await CountAsync(dataSource, projected, ct);
        var b = await CountAsync(dataSource, rebuilt, ct);
        if (a != b || a != documents.Count) throw new InvalidOperationException($"CATCH-UP, REBUILD AND FOLD DIFFER: {a}, {b}, {documents.Count} documents");
        await using (var analyze = dataSource.CreateCommand($"analyze {rebuilt.DocumentTable}")) await analyze.ExecuteNonQueryAsync(ct);

        // (4) queries on the rebuilt documents.
        var queries = new InvoiceSearchQueries(rebuilt);
        // A live document's unique reference (voided ones are not found without status=voided).
        var rare = documents.Where(d => d.Status == InvoiceSearchStatus.Live).ElementAt(documents.Count / 3).Document!.Value.GetProperty("reference").GetString()!;
        var rareQuery = await TimeAsync(() => queries.SearchAsync(new InvoiceSearchQuery(Text: rare), ct));
        var commonQuery = await TimeAsync(() => queries.SearchAsync(new InvoiceSearchQuery(Text: "printer"), ct));
        var vendorQuery = await TimeAsync(() => queries.SearchAsync(new InvoiceSearchQuery(Vendor: "17"), ct));
        var itemQuery = await TimeAsync(() => queries.SearchAsync(new InvoiceSearchQuery(Item: "printer", MinQuantity: 2), ct));
        foreach (var (name, query) in new[]
        {
            ("rare", new InvoiceSearchQuery(Text: rare)), ("common", new InvoiceSearchQuery(Text: "printer")),
            ("vendor", new InvoiceSearchQuery(Vendor: "17")), ("item", new InvoiceSearchQuery(Item: "printer", MinQuantity: 2)),
        })
        {
            await using var explain = dataSource.CreateCommand();
            explain.CommandText = "explain (analyze, buffers) " + queries.Sql(query, explain.Parameters);
            Console.WriteLine($"  plan of the {name} query:");
            await using var plan = await explain.ExecuteReaderAsync(ct);
            while (await plan.ReadAsync(ct)) Console.WriteLine($"    {plan.GetString(0)}");
        }

        report.Add(new("search catch-up (InvoiceSearchProjection.ApplyAsync, one transaction + checkpoint per batch)", catchupRate, "events/s",
            "target", 10_000, 1, $"{events.Count:N0} events in batches of {batchSize:N0}; per step: {string.Join(", ", phases.Select(p => $"{p.Phase} {p.Seconds:F1} s"))}; this program: {catchupGc}"));
        report.Add(new("search catch-up vs raw binary COPY of the same documents (same table, indexes after)", catchupRate, "events/s", "raw COPY (events/s equivalent)", copyEventRate, null,
            $"COPY: {rows.Count:N0} documents in {copyLoadSeconds:F2} s + indexes = {copySeconds:F2} s"));
        report.Add(new("search rebuild (bulk insert per page, indexes after) vs raw COPY (same table, indexes after)", rebuildRate, "events/s", "raw COPY (events/s equivalent)", copyEventRate, 0.5,
            $"{events.Count:N0} events, pages of 1,000: load {rebuildLoadSeconds:F1} s + indexes {rebuildSeconds - rebuildLoadSeconds:F1} s"));
        report.Add(new("search rebuild vs raw COPY without building indexes (rows only)", rebuildRate, "events/s", "raw COPY rows only (events/s equivalent)", copyLoadEventRate, null,
            $"COPY rows: {copyLoadSeconds:F2} s"));
        if (rareQuery.Rows != 1) throw new InvalidOperationException($"THE RARE TERM {rare} FOUND {rareQuery.Rows} DOCUMENTS, NOT 1");
        report.Add(new($"q=<rare reference> at {documents.Count:N0} documents, p50", rareQuery.P50, "ms", "target p50", 20, null, $"p99 {rareQuery.P99:F1} ms (target 100); {rareQuery.Rows} rows"));
        report.Add(new($"q=printer (common) at {documents.Count:N0} documents, p50", commonQuery.P50, "ms", "target p50", 20, null, $"p99 {commonQuery.P99:F1} ms (target 100); {commonQuery.Rows} rows"));
        report.Add(new($"vendor=17 at {documents.Count:N0} documents, p50", vendorQuery.P50, "ms", "target p50", 50, null, $"p99 {vendorQuery.P99:F1} ms; {vendorQuery.Rows} rows"));
        report.Add(new($"item=printer&minQuantity=2 at {documents.Count:N0} documents, p50", itemQuery.P50, "ms", "target p50", 50, null, $"p99 {itemQuery.P99:F1} ms; {itemQuery.Rows} rows"));
        report.Note($"{events.Count:N0} seeded events (80 % records with documents, 15 % adjustments, 5 % voids) over {documents.Count:N0} transactions: " +
            $"{Items.Length} item names, 2,000 vendors, quantities 1-10, a unique purchase-order reference per document. Query latencies are over " +
            "the rebuilt schema after ANALYZE, 50 timed runs each after one untimed run, first page (limit 50). Latency targets are for 1,000,000 documents.");
        report.WriteTo(options.ReportPath);

        await projected.DropSchemaAsync(ct);
        await rebuilt.DropSchemaAsync(ct);
    }

    /// <summary>Seeded events: records with realistic documents, then adjustments and voids of earlier transactions.</summary>
    public static List<StoredEvent> Generate(int seed, int count)
    {
        var random = new Random(seed);
        var events = new List<StoredEvent>(count);
        var versions = new Dictionary<string, long>(StringComparer.Ordinal);
        var live = new List<(string Invoice, string Id, decimal Amount, string Country, DateOnly Date)>();
        var at = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var invoices = Math.Max(1, count / 20);
        for (var n = 0; events.Count < count; n++)
        {
            var roll = random.Next(100);
            if (roll >= 80 && live.Count > 0)
            {
                var pick = random.Next(live.Count);
                var t = live[pick];
                IInvoiceEvent data;
                if (roll < 95)
                {
                    var amount = t.Amount + random.Next(-100, 100);
                    data = new TransactionAdjusted(t.Id, amount, t.Amount, "USD", t.Country, t.Date, "price change");
                    live[pick] = t with { Amount = amount };
                }
                else
                {
                    data = new TransactionVoided(t.Id, t.Amount, "USD", t.Country, t.Date, null, "cancelled");
                    live.RemoveAt(pick);
                }

                events.Add(Event(t.Invoice, data));
                continue;
            }

            var invoice = $"INV-{random.Next(invoices):D7}";
            var id = $"Client{random.Next(1, 500)}_trans{n:D8}";
            var country = Countries[random.Next(Countries.Length)];
            var date = new DateOnly(2026, 1, 1).AddDays(random.Next(365));
            var lines = Items.OrderBy(_ => random.Next()).Take(1 + random.Next(4))
                .ToDictionary(i => i, _ => (object)new Dictionary<string, int> { ["Quantity"] = 1 + random.Next(10) });
            var document = JsonSerializer.SerializeToElement(new Dictionary<string, object>
            {
                ["Vendor Name"] = $"Vendor{1 + random.Next(2000)} {Suffixes[random.Next(Suffixes.Length)]}",
                ["NumberofItems"] = lines.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["ItemsDesc"] = new[] { lines },
                ["reference"] = $"PO{seed:D2}{n:D8}",
            });
            var recorded = (decimal)random.Next(1, 100_000) / 100;
            events.Add(Event(invoice, new TransactionRecorded(id, recorded, "USD", country, date, document, null)));
            live.Add((invoice, id, recorded, country, date));
        }

        return events;

        StoredEvent Event(string invoice, IInvoiceEvent data)
        {
            var version = versions[invoice] = versions.GetValueOrDefault(invoice) + 1;
            var (type, schema) = EventTypeMap.NameOf(data);
            return new StoredEvent(invoice, version, new Guid(events.Count, 0, 0, new byte[8]), type, schema, data, EventMetadata.New($"bench-{events.Count}", "bench"), at = at.AddMilliseconds(1));
        }
    }

    private static async Task<long> CountAsync(NpgsqlDataSource dataSource, InvoiceSearchStore store, CancellationToken ct)
    {
        await using var command = dataSource.CreateCommand($"select count(*) from {store.DocumentTable}");
        return (long)(await command.ExecuteScalarAsync(ct))!;
    }

    private sealed record Timing(double P50, double P99, int Rows);

    private static async Task<Timing> TimeAsync(Func<Task<InvoiceSearchPage>> query)
    {
        const int runs = 50;
        var rows = (await query()).Items.Count;
        var times = new List<double>(runs);
        for (var i = 0; i < runs; i++)
        {
            var clock = Stopwatch.StartNew();
            rows = (await query()).Items.Count;
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        return new Timing(times[runs / 2], times[(int)Math.Ceiling(runs * 0.99) - 1], rows);
    }
}

/// <summary>The benchmark process's own garbage collections over a timed step (they run on the same two cores as PostgreSQL).</summary>
internal sealed class GcWatch
{
    private readonly TimeSpan _pause = GC.GetTotalPauseDuration();
    private readonly int[] _counts = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];

    /// <summary>A full blocking, compacting collection first, then the watch starts.</summary>
    public static GcWatch Start()
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        return new GcWatch();
    }

    public string Stop() =>
        $"GC paused {(GC.GetTotalPauseDuration() - _pause).TotalSeconds:F1} s; collections gen0 {GC.CollectionCount(0) - _counts[0]}, " +
        $"gen1 {GC.CollectionCount(1) - _counts[1]}, gen2 {GC.CollectionCount(2) - _counts[2]}; heap {GC.GetGCMemoryInfo().HeapSizeBytes / 1048576.0:N0} MB";
}
