using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.Benchmarks.Infrastructure;
using EventLedger.Server;
using EventLedger.Domain.Invoices;
using EventLedger.EmbeddedStack;
using EventLedger.EventStore.Events;
using EventLedger.EventStore.Tables;
using EventLedger.ProjectionHost.Hosting;
using EventLedger.ProjectionHost.Rebuilds;
using EventLedger.Projections;
using EventLedger.Projections.Analytics;
using EventLedger.Projections.Contracts;
using EventLedger.Projections.InvoiceHistory;
using EventLedger.Projections.Reactions;
using EventLedger.Reactions.Hosting;
using EventLedger.Archive.Writing;
using EventLedger.Streams.Checkpoints;
using EventLedger.Streams.Client;
using EventLedger.Streams.Leases;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace EventLedger.Benchmarks.Scenarios;

/// <summary>
/// Rebuild from the event store, the way an operator runs it: seeds N events (a skewed mix: a few hot invoices with
/// thousands of transactions, adjustments and voids; many cold ones) straight into the events table with BatchWriteItem,
/// starts the product's server (<c>eventledger serve</c>) as a child process, and rebuilds every read model — the four
/// DynamoDB ones and analytics — through <c>POST /projections/{name}/rebuild</c>, one after the other. Each rate stands
/// next to ceilings measured in the same run: the raw parallel scan of the event store, raw BatchWriteItem into a
/// stream-less table, and raw binary COPY of the analytics rows; the server's peak RSS (VmHWM, reset before each rebuild)
/// is read from /proc.
/// </summary>
public static class RebuildScenario
{
    private static readonly DateOnly Day = new(2016, 6, 6);
    private const int Segments = 4;
    private const int PageSize = 2000;
    private const double MemoryTargetMb = 300;

    public static async Task RunAsync(LocalStack stack, BenchOptions options, int eventCount, CancellationToken ct)
    {
        var report = new BenchReport("rebuild", $"Rebuild from the event store ({eventCount:N0} events, skewed mix)");
        var prefix = $"benchrb{DateTime.UtcNow:HHmmss}-";
        var postgres = stack.PostgresConnectionString ?? throw new InvalidOperationException("The local stack has no PostgreSQL.");
        using var db = DynamoDbClients.Create(stack.DynamoDbEndpoint);
        var tables = new EventStoreTables(prefix);
        await EventStoreSchema.EnsureCreatedAsync(db, tables, ct);

        Console.WriteLine($"Rebuild scenario: seeding {eventCount:N0} events with BatchWriteItem…");
        var seed = Stopwatch.StartNew();
        long seeded = 0;
        using (Progress.Every(() => $"seeded {Interlocked.Read(ref seeded):N0}/{eventCount:N0} ({Interlocked.Read(ref seeded) / seed.Elapsed.TotalSeconds:N0}/s)"))
        {
            await WriteAsync(db, tables.Events, Generate(eventCount).Select(EventItem.ToItem), ct, n => Interlocked.Add(ref seeded, n));
        }

        Progress.Done();
        var seedRate = eventCount / seed.Elapsed.TotalSeconds;
        Console.WriteLine($"  seeded in {seed.Elapsed.TotalSeconds:F1} s ({seedRate:N0} items/s into the stream-enabled events table)");

        // The live versions start where the stream ends (as if they had been running all along), so the live
        // subscriptions do not compete with the rebuilds; a rebuild seeds its catch-up from their checkpoints.
        await FastForwardLiveVersionsAsync(stack, db, tables, prefix, postgres, ct);

        var scan = await RawScanAsync(db, tables.Events, ct);
        var scanRate = scan.Items / scan.Seconds;
        Console.WriteLine($"  raw parallel scan ({Segments} segments): {scanRate:N0} items/s");
        // The raw write puts as many items as the scan reads (the events, as history's rebuild does): DynamoDB Local's writes
        // slow down as a table grows, so a peer writing a tenth of them into an empty table would be the easier work.
        var rawWrite = await RawBatchWriteAsync(db, prefix + "raw-write", eventCount, ct);
        Console.WriteLine($"  raw BatchWriteItem of {eventCount:N0} items (stream-less table): {rawWrite:N0} items/s");
        // What a read model with a row per event does at the least: the same scan, each page's items written into a fresh table
        // while the next page is read. On a store that does its storage work on one thread the scan and the writes add up.
        var scanAndWrite = await RawScanAndWriteAsync(db, tables.Events, prefix + "raw-copy", ct);
        Console.WriteLine($"  raw scan and BatchWriteItem of every page ({Segments} segments): {scanAndWrite:N0} items/s");
        var (copyEventRate, copyRowRate, copyRows) = await RawCopyAsync(postgres, eventCount, ct);
        Console.WriteLine($"  raw binary COPY of the analytics rows: {copyRowRate:N0} rows/s = {copyEventRate:N0} events/s");

        var environment = new Dictionary<string, string>
        {
            [EmbeddedStackOptions.DynamoDbEndpointVariable] = stack.DynamoDbEndpoint!,
            [EmbeddedStackOptions.PostgresVariable] = postgres,
            [EventLedgerSettings.TablePrefixVariable] = prefix,
            ["Projections__RebuildSegments"] = Segments.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Projections__RebuildPageSize"] = PageSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Projections__RebuildGracePeriod"] = "00:00:01",
        };
        Console.WriteLine("  starting eventledger serve (child process)…");
        await using var server = await ServerProcess.StartAsync(environment, ct);
        await Task.Delay(TimeSpan.FromSeconds(3), ct); // the live subscriptions start and settle
        var idle = server.MemoryBytes();
        Console.WriteLine($"  server pid {server.Id}, RSS at rest {idle / 1048576.0:N0} MB");

        long worstPeak = 0;
        (long Events, double Seconds, double? LoadedSeconds)? history = null;
        var names = ReadModelCatalog.All.Select(r => r.Name).ToList();
        foreach (var name in names)
        {
            server.ResetPeakMemory();
            var (state, eventsDone, seconds, loadedSeconds, error) = await RebuildAsync(server, name, ct);
            var peak = server.PeakMemoryBytes();
            worstPeak = Math.Max(worstPeak, peak);
            Console.WriteLine($"  {name}: {state} in {seconds:F1} s, {eventsDone:N0} events, server peak RSS {peak / 1048576.0:N0} MB {error}");
            if (name == InvoiceHistoryProjection.ProjectionName)
            {
                history = (eventsDone, seconds, loadedSeconds);
            }

            var analytics = name == AnalyticsProjection.ProjectionName;
            var ceiling = analytics ? Math.Min(scanRate, copyEventRate) : Math.Min(scanRate, rawWrite);
            report.Add(new($"rebuild of {name} ({(analytics ? "scan → COPY into staging → guarded merge" : "scan → ApplyAsync → BatchWriteItem")}, start to switch)",
                eventsDone / seconds, "events/s",
                analytics ? "slower of raw scan and raw COPY" : "slower of raw scan and raw BatchWriteItem", ceiling, 0.5,
                $"{state}, {seconds:F1} s, server peak RSS {peak / 1048576.0:N0} MB"));
        }

        if (history is { } h)
        {
            report.Add(new("rebuild of invoice-history (a row per event) vs scanning and writing every page raw", h.Events / h.Seconds, "events/s",
                "raw scan + BatchWriteItem of each page's items into a fresh table", scanAndWrite, null));
            // The bulk load is the part of history's rebuild that does the raw peer's work; the rest (catch-up, switch) is what a
            // rebuild that serves reads throughout adds.
            if (h.LoadedSeconds is { } loaded)
            {
                report.Add(new("invoice-history's bulk load alone (POST until the status left the bulk-load phase) vs scanning and writing every page raw", h.Events / loaded, "events/s",
                    "raw scan + BatchWriteItem of each page's items into a fresh table", scanAndWrite, null,
                    $"{loaded:F1} s of the rebuild's {h.Seconds:F1} s (table, checkpoints and bulk load; the other {h.Seconds - loaded:F1} s catch-up and switch); " +
                    $"{h.Events / loaded / Math.Min(scanRate, rawWrite):F2} of the slower raw peer"));
            }
        }

        report.Add(new("raw parallel scan of the event store", scanRate, "items/s", $"{Segments} segments, Limit {PageSize}, consistent reads", null, null));
        report.Add(new($"raw BatchWriteItem of {eventCount:N0} events into a fresh stream-less table", rawWrite, "items/s", "25 items per call, 8 in flight", null, null));
        report.Add(new("raw scan and BatchWriteItem of every page into a fresh stream-less table (each segment writes a page while it reads the next)", scanAndWrite, "items/s",
            $"{Segments} segments, Limit {PageSize}, 25 items per call, 8 in flight per segment", null, null));
        report.Add(new("raw binary COPY of the analytics rows (facts, transaction states, invoice versions)", copyEventRate, "events/s",
            $"{copyRows:N0} rows at {copyRowRate:N0} rows/s, one transaction, indexes in place", null, null));
        report.Add(new("server peak RSS during a rebuild (VmHWM of `eventledger serve`)", worstPeak / 1048576.0, "MB",
            $"target ≤ 300 MB for 1,000,000 events; at rest before the rebuilds {idle / 1048576.0:N0} MB", MemoryTargetMb, null));
        report.Note($"Seeding: {seedRate:N0} items/s with BatchWriteItem into the stream-enabled events table. Every live consumer of the server (the four DynamoDB read models, analytics, search, the archive and the reactions) was checkpointed at the end of the stream, as if it had been running all along, so that each rebuild ran alone; each rebuild includes creating its table or schema, copying checkpoints, the bulk load, catch-up and the switch, driven through the server's HTTP API.");
        report.Note("Rebuild rate = eventsDone / (POST → completed). Each scan page (Limit 2000) is one batch: the DynamoDB projections coalesce per invoice (one conditional write per invoice per page for totals/counts, one row per event for history and transactions); analytics folds the page, binary-COPYs its rows into temporary staging tables and merges them under the version guards in one transaction. The COPY ceiling writes final rows straight into the tables, so it does less work than any replay that can be resumed.");
        report.Note($"Memory: VmHWM of the server process (not this program), reset through /proc/PID/clear_refs before each rebuild. Run: `dotnet run -c Release --project bench/EventLedger.Benchmarks -- rebuild --events N` (default 1,000,000).");
        report.Note(CatchupScenario.Load());
        report.WriteTo(options.ReportPath);
    }

    /// <summary>
    /// Runs one rebuild through the HTTP API. <c>LoadedSeconds</c> is the time from the POST until the status first showed a phase
    /// past the bulk load (the table's creation, the checkpoints' seeding and the bulk load; to the 250 ms the status is polled at).
    /// </summary>
    private static async Task<(string State, long EventsDone, double Seconds, double? LoadedSeconds, string? Error)> RebuildAsync(ServerProcess server, string name, CancellationToken ct)
    {
        var started = Stopwatch.StartNew();
        using (var response = await server.Http.PostAsync($"projections/{name}/rebuild", null, ct))
        {
            if (response.StatusCode != HttpStatusCode.Accepted)
            {
                throw new InvalidOperationException($"POST /projections/{name}/rebuild answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
            }
        }

        JsonElement status = default;
        var state = "running";
        double? loadedSeconds = null;
        using (Progress.Every(() => status.ValueKind == JsonValueKind.Object
            ? $"{name}: {status.GetProperty("phase").GetString()} {status.GetProperty("eventsDone").GetInt64():N0}/{status.GetProperty("eventsTotal").GetInt64():N0} events, {status.GetProperty("eventsDone").GetInt64() / started.Elapsed.TotalSeconds:N0}/s, server RSS {server.MemoryBytes() / 1048576.0:N0} MB"
            : $"{name}: starting"))
        {
            while (state == "running")
            {
                await Task.Delay(250, ct);
                status = await server.Http.GetFromJsonAsync<JsonElement>($"projections/{name}/rebuild", ct);
                state = status.GetProperty("state").GetString() ?? "?";
                if (loadedSeconds is null && status.GetProperty("phase").GetString() != RebuildPhase.BulkLoad.ToText())
                {
                    loadedSeconds = started.Elapsed.TotalSeconds;
                }
            }
        }

        Progress.Done();
        var seconds = started.Elapsed.TotalSeconds;
        var error = status.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
        if (state != "completed")
        {
            Console.WriteLine(server.RecentOutput);
        }

        return (state, status.GetProperty("eventsDone").GetInt64(), seconds, loadedSeconds, error);
    }

    /// <summary>The ceiling for the analytics rebuild: the same events' final rows written with raw binary COPY into a fresh schema.</summary>
    private static async Task<(double EventsPerSecond, double RowsPerSecond, long Rows)> RawCopyAsync(string postgres, int eventCount, CancellationToken ct)
    {
        var rows = RawAnalyticsCopy.RowsOf([.. Generate(eventCount)]);
        await using var store = AnalyticsStore.Create(postgres, $"bench_rawcopy_{DateTime.UtcNow:HHmmss}");
        await store.MigrateAsync(ct);
        var watch = Stopwatch.StartNew();
        await using (var dataSource = NpgsqlDataSource.Create(postgres))
        await using (var connection = await dataSource.OpenConnectionAsync(ct))
        await using (var transaction = await connection.BeginTransactionAsync(ct))
        {
            await RawAnalyticsCopy.CopyAsync(connection, store.Schema, rows, ct);
            await transaction.CommitAsync(ct);
        }

        var seconds = watch.Elapsed.TotalSeconds;
        await store.DropSchemaAsync(ct);
        long count = rows.Facts.Count + rows.Transactions.Count + rows.Invoices.Count;
        return (eventCount / seconds, count / seconds, count);
    }

    /// <summary>A skewed mix: 20 hot invoices take ~30% of the events; cold invoices take 1–6 events each.</summary>
    private static IEnumerable<StoredEvent> Generate(int count)
    {
        var random = new Random(7);
        var produced = 0;
        var hotShare = (int)(count * 0.3);
        var metadata = EventMetadata.New("bench", "bench");
        var at = DateTimeOffset.UtcNow.AddDays(-1);
        IEnumerable<StoredEvent> Invoice(string invoice, int events)
        {
            var amounts = new List<(string Id, decimal Amount, string Country, bool Void)>();
            for (var v = 1; v <= events; v++)
            {
                IInvoiceEvent e;
                var roll = random.Next(100);
                var live = amounts.FindIndex(a => !a.Void);
                if (v == 1)
                {
                    e = new VerifierAssigned("USA", "alice");
                }
                else if (roll < 12 && live >= 0)
                {
                    var i = random.Next(amounts.Count);
                    if (amounts[i].Void) i = live;
                    var next = (decimal)random.Next(1, 1000);
                    e = new TransactionAdjusted(amounts[i].Id, next, amounts[i].Amount, "USD", amounts[i].Country, Day, "bench");
                    amounts[i] = amounts[i] with { Amount = next };
                }
                else if (roll < 18 && live >= 0)
                {
                    var t = amounts[live];
                    e = new TransactionVoided(t.Id, t.Amount, "USD", t.Country, Day, t.Country == "USA" ? "alice" : null, "bench");
                    amounts[live] = t with { Void = true };
                }
                else
                {
                    var id = $"t{v:D6}";
                    var country = (v % 3) switch { 0 => "USA", 1 => "UK", _ => "DE" };
                    var amount = (decimal)random.Next(-10, 1000);
                    e = new TransactionRecorded(id, amount, "USD", country, Day, null, country == "USA" ? "alice" : null);
                    amounts.Add((id, amount, country, false));
                }

                var (type, schema) = EventTypeMap.NameOf(e);
                yield return new StoredEvent(invoice, v, Guid.CreateVersion7(), type, schema, e, metadata, at.AddMilliseconds(produced + v));
            }
        }

        for (var h = 0; h < 20 && produced < hotShare; h++)
        {
            var n = Math.Min(hotShare / 20, count - produced);
            foreach (var e in Invoice($"hot-{h:D2}", n)) yield return e;
            produced += n;
        }

        for (var c = 0; produced < count; c++)
        {
            var n = Math.Min(random.Next(1, 7), count - produced);
            foreach (var e in Invoice($"cold-{c:D7}", n)) yield return e;
            produced += n;
        }
    }

    private static async Task WriteAsync(IAmazonDynamoDB db, string table, IEnumerable<Dictionary<string, AttributeValue>> items, CancellationToken ct, Action<int>? written = null) =>
        await Parallel.ForEachAsync(items.Chunk(25), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (chunk, token) =>
        {
            written?.Invoke(chunk.Length);
            var request = new Dictionary<string, List<WriteRequest>> { [table] = [.. chunk.Select(i => new WriteRequest(new PutRequest(i)))] };
            while (request.Count > 0)
            {
                var response = await db.BatchWriteItemAsync(new BatchWriteItemRequest { RequestItems = request }, token);
                request = response.UnprocessedItems is { Count: > 0 } left ? left : [];
            }
        });

    private static async Task<(long Items, double Seconds)> RawScanAsync(IAmazonDynamoDB db, string table, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        var items = await ScanSegmentsAsync(db, table, (_, _) => Task.CompletedTask, ct);
        return (items, watch.Elapsed.TotalSeconds);
    }

    /// <summary>
    /// The parallel scan of <paramref name="source"/> with each page's items put into a fresh stream-less table: each segment
    /// writes a page (25 items a call, 8 calls in flight) while it reads the next, as the bulk load does. Items/s.
    /// </summary>
    private static async Task<double> RawScanAndWriteAsync(IAmazonDynamoDB db, string source, string table, CancellationToken ct)
    {
        await CreateStreamlessEventsTableAsync(db, table, ct);
        var watch = Stopwatch.StartNew();
        long copied = 0;
        using (Progress.Every(() => $"raw scan and write {Interlocked.Read(ref copied):N0} ({Interlocked.Read(ref copied) / watch.Elapsed.TotalSeconds:N0}/s)"))
        {
            await ScanSegmentsAsync(db, source, async (items, token) =>
            {
                await WriteAsync(db, table, items, token);
                Interlocked.Add(ref copied, items.Count);
            }, ct);
        }

        Progress.Done();
        var rate = Interlocked.Read(ref copied) / watch.Elapsed.TotalSeconds;
        await db.DeleteTableAsync(table, ct);
        return rate;
    }

    /// <summary>
    /// Scans <paramref name="table"/> in <see cref="Segments"/> parallel segments (pages of <see cref="PageSize"/>, consistent
    /// reads), each segment reading its next page while <paramref name="onPage"/> handles the current one. Returns the items read.
    /// </summary>
    private static async Task<long> ScanSegmentsAsync(
        IAmazonDynamoDB db, string table, Func<List<Dictionary<string, AttributeValue>>, CancellationToken, Task> onPage, CancellationToken ct)
    {
        var counts = await Task.WhenAll(Enumerable.Range(0, Segments).Select(async segment =>
        {
            Task<ScanResponse> ReadPageAsync(Dictionary<string, AttributeValue>? start) => db.ScanAsync(new ScanRequest
            {
                TableName = table, Segment = segment, TotalSegments = Segments, Limit = PageSize, ExclusiveStartKey = start, ConsistentRead = true,
            }, ct);

            long n = 0;
            var next = ReadPageAsync(null);
            while (true)
            {
                var page = await next;
                var last = page.LastEvaluatedKey is { Count: > 0 } k ? k : null;
                if (last is not null)
                {
                    next = ReadPageAsync(last);
                }

                await onPage(page.Items ?? [], ct);
                n += page.Items?.Count ?? 0;
                if (last is null)
                {
                    return n;
                }
            }
        }));
        return counts.Sum();
    }

    /// <summary>A table keyed like the event store's (StreamId, Version), without a stream: where the raw peers write.</summary>
    private static Task CreateStreamlessEventsTableAsync(IAmazonDynamoDB db, string table, CancellationToken ct) =>
        db.CreateTableAsync(new CreateTableRequest
        {
            TableName = table,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new("StreamId", ScalarAttributeType.S), new("Version", ScalarAttributeType.N)],
            KeySchema = [new("StreamId", KeyType.HASH), new("Version", KeyType.RANGE)],
        }, ct);

    private static async Task<double> RawBatchWriteAsync(IAmazonDynamoDB db, string table, int count, CancellationToken ct)
    {
        await CreateStreamlessEventsTableAsync(db, table, ct);
        await WriteAsync(db, table, Generate(2000).Select(EventItem.ToItem).Select(i => Renamed(i, "warm")), ct); // warm-up
        var watch = Stopwatch.StartNew();
        long written = 0;
        using (Progress.Every(() => $"raw BatchWriteItem {Interlocked.Read(ref written):N0}/{count:N0} ({Interlocked.Read(ref written) / watch.Elapsed.TotalSeconds:N0}/s)"))
        {
            await WriteAsync(db, table, Generate(count).Select(EventItem.ToItem), ct, n => Interlocked.Add(ref written, n));
        }

        Progress.Done();
        var rate = count / watch.Elapsed.TotalSeconds;
        await db.DeleteTableAsync(table, ct);
        return rate;
    }

    private static Dictionary<string, AttributeValue> Renamed(Dictionary<string, AttributeValue> item, string prefix)
    {
        item["StreamId"] = new AttributeValue { S = prefix + item["StreamId"].S };
        return item;
    }

    private static async Task FastForwardLiveVersionsAsync(LocalStack stack, IAmazonDynamoDB db, EventStoreTables tables, string prefix, string postgres, CancellationToken ct)
    {
        var streams = DynamoDbStreamsClient.ForEndpoint(stack.DynamoDbEndpoint!);
        var arn = await EventStoreSchema.GetStreamArnAsync(db, tables, ct);
        var description = await streams.DescribeStreamAsync(new EventLedger.Streams.Client.Model.DescribeStreamRequest { StreamArn = arn }, ct);
        var leases = new DynamoDbLeaseStore(db, prefix + "leases");
        await leases.EnsureTableAsync(ct);
        var checkpoints = new DynamoDbCheckpointStore(db, prefix + "leases");
        // Every consumer `serve` runs reads the same stream and, left at its start, would catch up on the whole of it during
        // the rebuilds (memory and CPU that are not the rebuild's): the server's read models, whose PostgreSQL ones keep their
        // checkpoints in their own schema (their OpenAsync says where), and the archive and the built-in reactions, whose
        // checkpoints are in the lease table like the DynamoDB read models'.
        await using var dataSource = NpgsqlDataSource.Create(postgres);
        var ownPositions = new Dictionary<string, IStreamPositions>(StringComparer.Ordinal);
        foreach (var postgresReadModel in DeclaredReadModels.Default.OfType<IPostgresReadModel>())
        {
            var open = await postgresReadModel.OpenAsync(dataSource, prefix, 1, NullLoggerFactory.Instance, ct);
            ownPositions[ProjectionHostService.SubscriptionName(postgresReadModel.Name, 1)] = open.Checkpoints;
        }

        var consumers = DeclaredReadModels.Default.Select(r => ProjectionHostService.SubscriptionName(r.Name, 1))
            .Concat(BuiltInReactions.All.Select(r => ProjectionHostService.SubscriptionName(r.Declaration.Name, ReactionProjection.HostSchemaVersion)))
            .Append(ArchiveConsumer.Subscription)
            .ToList();
        var watch = Stopwatch.StartNew();
        long records = 0;
        using (Progress.Every(() => $"reading the stream to its end: {Interlocked.Read(ref records):N0} records"))
        {
            foreach (var shard in description.StreamDescription.Shards)
            {
                var iterator = (await streams.GetShardIteratorAsync(new EventLedger.Streams.Client.Model.GetShardIteratorRequest { StreamArn = arn, ShardId = shard.ShardId }, ct)).ShardIterator;
                string? last = null;
                while (iterator is not null)
                {
                    var page = await streams.GetRecordsAsync(new EventLedger.Streams.Client.Model.GetRecordsRequest { ShardIterator = iterator, Limit = 1000 }, ct);
                    if (page.Records.Count == 0) break;
                    Interlocked.Add(ref records, page.Records.Count);
                    last = page.Records[^1].Dynamodb.SequenceNumber;
                    iterator = page.NextShardIterator;
                }

                if (last is null) continue;
                foreach (var subscription in consumers)
                {
                    await leases.CreateIfMissingAsync(new Lease(subscription, shard.ShardId) { ParentShardId = shard.ParentShardId }, ct);
                    if (ownPositions.TryGetValue(subscription, out var own))
                    {
                        await own.SaveAsync(new StreamPosition(subscription, shard.ShardId, last), ct);
                    }
                    else
                    {
                        await checkpoints.SaveAsync(subscription, shard.ShardId, last, ct);
                    }
                }
            }
        }

        Progress.Done();
        Console.WriteLine($"  read the stream to its end ({records:N0} records, {records / watch.Elapsed.TotalSeconds:N0}/s) and checkpointed every live consumer there (read models, search, archive, reactions)");
    }
}
