using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.Archive;
using EventLedger.Archive.Configuration;
using EventLedger.Archive.Format;
using EventLedger.Archive.Query;
using EventLedger.Archive.Reading;
using EventLedger.Archive.Targets;
using EventLedger.Archive.Verification;
using EventLedger.Archive.Writing;
using EventLedger.Benchmarks.Infrastructure;
using EventLedger.EmbeddedStack;
using EventLedger.EventStore.Events;
using EventLedger.EventStore.Tables;
using EventLedger.Projections.Contracts;
using EventLedger.Api.Security;
using EventLedger.Server;
using EventLedger.Streams.Leases;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EventLedger.Benchmarks.Scenarios;

/// <summary>
/// The archive (brief §10, issue 13): (1) the archive writer's throughput into Parquet objects (5 MB buffers, each object
/// claimed and committed in DynamoDB Local's lease table), into a local directory and into the S3 emulator (fauxqs), beside a
/// raw Parquet write of the same rows in objects of the same size to local files in the same run; (2) end to end on the
/// product's server: N events seeded into the event store, archived from the stream by the consumer, then
/// <c>archive verify</c> over all N, and the seed's queries (daily run rate for the last three years; max/sum/count by day)
/// over the N archived events, p50 of 5 runs after one untimed run (target ≤ 1 s).
/// </summary>
public static class ArchiveScenario
{
    private const int BatchSize = 1000;
    private const double QueryTargetMs = 1000;

    public const string DailyRunRate = """
        select invoice_date,
               sum(case event_type when 'TransactionRecorded' then amount
                                   when 'TransactionAdjusted' then amount - previous_amount
                                   when 'TransactionVoided' then -amount end) as run_rate
        from events where invoice_date >= current_date - interval 3 year
        group by invoice_date order by invoice_date
        """;

    public const string MaxSumCountByDay = """
        select invoice_date, max(amount), sum(amount), count(*) from events
        where event_type = 'TransactionRecorded' group by invoice_date order by invoice_date
        """;

    public static async Task RunAsync(LocalStack stack, BenchOptions options, int eventCount, int throughputEvents, CancellationToken ct)
    {
        var report = new BenchReport("archive", $"Archive (Parquet objects; queries and verification over {eventCount:N0} events)");
        using var db = DynamoDbClients.Create(stack.DynamoDbEndpoint);
        var run = $"{DateTime.UtcNow:HHmmss}";
        var scratch = Path.Combine(Path.GetTempPath(), $"eventledger-bench-archive-{run}");

        // (1) The writer, and a raw Parquet write of the same rows.
        Console.WriteLine($"Archive scenario: {throughputEvents:N0} events through the writer…");
        var events = new SkewedEventGenerator(21).Generate(throughputEvents);
        await WriterAsync(db, $"benchaw{run}w-", new LocalDirectoryTarget(Path.Combine(scratch, "warm")), new SkewedEventGenerator(5).Generate(Math.Min(20_000, throughputEvents)), ct);
        var local = await WriterAsync(db, $"benchaw{run}l-", new LocalDirectoryTarget(Path.Combine(scratch, "local")), events, ct);
        Console.WriteLine($"  local directory: {local.Rate:N0} events/s ({local.Objects} objects, {local.Bytes:N0} bytes)");
        var raw = await RawParquetAsync(Path.Combine(scratch, "raw"), events, local.Objects, ct);
        Console.WriteLine($"  raw Parquet write: {raw:N0} events/s");
        double? s3Rate = null;
        var s3Objects = 0;
        if (stack.AwsEndpoint is { } endpoint)
        {
            var bucket = $"bench-archive-{run}";
            var settings = new ArchiveOptions { Bucket = bucket, ServiceUrl = endpoint }.Resolve();
            var s3 = await WriterAsync(db, $"benchaw{run}s-", new S3Target(settings), events, ct);
            (s3Rate, s3Objects) = (s3.Rate, s3.Objects);
            Console.WriteLine($"  S3 emulator: {s3.Rate:N0} events/s ({s3.Objects} objects)");
        }

        report.Add(new("archive writer into a local directory (5 MB buffers, claim + put + manifest + commit per object)", local.Rate, "events/s",
            "raw Parquet write of the same rows, same object count", raw, null, $"{throughputEvents:N0} events, {local.Objects} objects, {local.Bytes / 1024.0 / 1024.0:F1} MB"));
        if (s3Rate is { } rate)
        {
            report.Add(new("archive writer into S3 (fauxqs emulator, path-style, SHA-256 + Object Lock headers)", rate, "events/s",
                "raw Parquet write (above)", raw, null, $"{s3Objects} objects"));
        }

        // (2) End to end: seeded event store, the consumer on the server, verification, queries.
        var prefix = $"benchar{run}-";
        var tables = new EventStoreTables(prefix);
        await EventStoreSchema.EnsureCreatedAsync(db, tables, ct);
        Console.WriteLine($"  seeding {eventCount:N0} events…");
        var seeded = 0L;
        using (Progress.Every(() => $"seeded {Interlocked.Read(ref seeded):N0}/{eventCount:N0}"))
        {
            await Parallel.ForEachAsync(new SkewedEventGenerator(42).Stream(eventCount).Select(EventItem.ToItem).Chunk(25),
                new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (chunk, token) =>
                {
                    var request = new Dictionary<string, List<WriteRequest>> { [tables.Events] = [.. chunk.Select(i => new WriteRequest(new PutRequest(i)))] };
                    while (request.Count > 0)
                    {
                        var response = await db.BatchWriteItemAsync(new BatchWriteItemRequest { RequestItems = request }, token);
                        request = response.UnprocessedItems is { Count: > 0 } left ? left : [];
                    }

                    Interlocked.Add(ref seeded, chunk.Length);
                });
        }

        Progress.Done();
        var directory = Path.Combine(scratch, "server");
        var archive = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Archive:Directory"] = directory,
            ["Archive:BufferInterval"] = "60",
        }).Build();
        var clock = Stopwatch.StartNew();
        await using var app = await EventLedgerWebApp.BuildAsync(EventLedgerSettings.FromStack(stack, prefix), 0, LogLevel.Warning, ct,
            configureServices: services => services.AddArchive(archive, embeddedDirectory: null), readModels: []);
        await app.StartAsync(ct);
        var consumer = app.Services.GetRequiredService<ArchiveConsumer>();
        using var http = new HttpClient { BaseAddress = app.BaseAddress(), Timeout = TimeSpan.FromMinutes(30) };
        http.DefaultRequestHeaders.Authorization = app.Services.LocalBearer("bench", LedgerScopes.All, TimeSpan.FromHours(12));
        long delivered = 0;
        using (Progress.Every(() => $"archived from the stream: {Interlocked.Read(ref delivered):N0}/{eventCount:N0} delivered, {consumer.BufferedEvents:N0} buffered"))
        {
            while (true)
            {
                var projections = await http.GetFromJsonAsync<JsonElement>("/projections", ct);
                Interlocked.Exchange(ref delivered, projections.EnumerateArray().Single(p => p.GetProperty("name").GetString() == "archive").GetProperty("appliedCount").GetInt64());
                if (Interlocked.Read(ref delivered) >= eventCount) break;
                await Task.Delay(200, ct);
            }

            await consumer.FlushAsync(ct); // the last partial buffer, rather than waiting for its interval
        }

        Progress.Done();
        var endToEnd = eventCount / clock.Elapsed.TotalSeconds;
        Console.WriteLine($"  consumer: {eventCount:N0} events from the stream into objects in {clock.Elapsed.TotalSeconds:F1} s = {endToEnd:N0} events/s");

        clock.Restart();
        var verification = await app.Services.GetRequiredService<ArchiveVerifier>().VerifyAsync(ct);
        var verifySeconds = clock.Elapsed.TotalSeconds;
        if (!verification.Complete || verification.ArchivedEvents != eventCount)
        {
            throw new InvalidOperationException($"THE ARCHIVE IS NOT COMPLETE: {verification.ArchivedEvents:N0} of {eventCount:N0}; {string.Join(" ", verification.Problems)}");
        }

        Console.WriteLine($"  verify: {verification.ArchivedEvents:N0} events in {verification.Objects} objects, complete, in {verifySeconds:F1} s");

        var engine = new ArchiveQueryEngine(new ArchiveObjectCache(new LocalDirectoryTarget(directory), directory));
        var runRate = await TimeQueryAsync(engine, DailyRunRate, ct);
        var byDay = await TimeQueryAsync(engine, MaxSumCountByDay, ct);

        report.Add(new("archive consumer end to end (stream → buffers → objects, on the server)", endToEnd, "events/s", "", null, null,
            $"{eventCount:N0} seeded events, {verification.Objects} objects"));
        report.Add(new($"archive verify over {eventCount:N0} events (event-store key scan, every object hashed and read, stream tail)", verifySeconds, "s", "", null, null,
            $"{verification.Objects} objects, {verification.Bytes / 1024.0 / 1024.0:F1} MB"));
        report.Add(new($"archive query: daily run rate, last three years, over {eventCount:N0} events, p50", runRate.P50, "ms", "target ≤ 1,000 ms", null, null,
            $"{runRate.Rows} rows; max {runRate.Max:F0} ms of {runRate.Runs}; {(runRate.P50 <= QueryTargetMs ? "meets" : "misses")} ≤ 1 s"));
        report.Add(new($"archive query: max/sum/count by day over {eventCount:N0} events, p50", byDay.P50, "ms", "", null, null, $"{byDay.Rows} rows; max {byDay.Max:F0} ms"));
        report.Note("The writer is fed stream-sized batches (1,000 events, each with a stream position) of the skewed mix; a store encodes the buffer " +
            "(zstd at its fastest level), claims the object in the lease table, puts the object and its manifest entry, and commits. The raw write encodes " +
            "the same rows into as many Parquet files with no claim, manifest or commit. Queries run in process (DuckDB) over the local directory; " +
            "each p50 is of 5 runs after one untimed run.");
        report.WriteTo(options.ReportPath);
        Directory.Delete(scratch, recursive: true);
    }

    private static async Task<(double Rate, int Objects, long Bytes)> WriterAsync(IAmazonDynamoDB db, string prefix, IArchiveTarget target, List<StoredEvent> events, CancellationToken ct)
    {
        var leases = new DynamoDbLeaseStore(db, prefix + "leases");
        await leases.EnsureTableAsync(ct);
        await target.EnsureReadyAsync(ct);
        var settings = new ArchiveOptions { Directory = target.LocalRoot ?? "unused", BufferSize = "5MB", BufferInterval = "900" }.Resolve();
        var objects = 0L;
        await using (var writer = new ArchiveWriter("archive", 1, settings, target, new ArchiveCommitLog(db, prefix + "leases", TimeProvider.System), TimeProvider.System, NullLogger.Instance))
        {
            await writer.GetAsync("archive-v1", "shardId-bench", ct);
            var clock = Stopwatch.StartNew();
            var batch = 0;
            foreach (var chunk in events.Chunk(BatchSize))
            {
                batch++;
                await writer.ApplyAsync(new ProjectionBatch(chunk, new StreamPosition("archive-v1", "shardId-bench", batch.ToString("D21", CultureInfo.InvariantCulture))), ct);
            }

            await writer.FlushAsync(ct);
            var seconds = clock.Elapsed.TotalSeconds;
            long bytes = 0;
            await foreach (var o in target.ListAsync(ArchiveLayout.DataFolder, null, ct))
            {
                objects++;
                bytes += o.Size;
            }

            target.Dispose();
            return (events.Count / seconds, (int)objects, bytes);
        }
    }

    private static async Task<double> RawParquetAsync(string directory, List<StoredEvent> events, int objects, CancellationToken ct)
    {
        Directory.CreateDirectory(directory);
        var perObject = (int)Math.Ceiling(events.Count / (double)Math.Max(1, objects));
        var clock = Stopwatch.StartNew();
        var n = 0;
        foreach (var chunk in events.Chunk(perObject))
        {
            await File.WriteAllBytesAsync(Path.Combine(directory, $"{n++}.parquet"), await ArchiveParquet.WriteAsync(chunk, "zstd", ct), ct);
        }

        return events.Count / clock.Elapsed.TotalSeconds;
    }

    private static async Task<(double P50, double Max, int Rows, int Runs)> TimeQueryAsync(ArchiveQueryEngine engine, string sql, CancellationToken ct)
    {
        var rows = (await engine.RunAsync(sql, 100_000, ct)).Rows.Count;
        var times = new List<double>();
        for (var i = 0; i < 5; i++)
        {
            var clock = Stopwatch.StartNew();
            await engine.RunAsync(sql, 100_000, ct);
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        return (times[times.Count / 2], times[^1], rows, times.Count);
    }
}
