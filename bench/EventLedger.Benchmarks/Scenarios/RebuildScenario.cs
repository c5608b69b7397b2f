using System.Diagnostics;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.Benchmarks.Infrastructure;
using EventLedger.Cli.Hosting;
using EventLedger.Domain.Invoices;
using EventLedger.EmbeddedStack;
using EventLedger.EventStore.Events;
using EventLedger.EventStore.Tables;
using EventLedger.ProjectionHost.Hosting;
using EventLedger.ProjectionHost.Rebuilds;
using EventLedger.Projections;
using EventLedger.Streams.Checkpoints;
using EventLedger.Streams.Client;
using EventLedger.Streams.Leases;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EventLedger.Benchmarks.Scenarios;

/// <summary>
/// Rebuild from the event store: seeds N events (a skewed mix: a few hot invoices with thousands of transactions,
/// adjustments and voids; many cold ones) straight into the events table with BatchWriteItem, then rebuilds each
/// DynamoDB read model through the rebuild engine and reports events/s next to, from the same run, the raw parallel
/// scan rate of the event store and the raw BatchWriteItem rate into a stream-less table; plus the peak RSS (VmHWM,
/// reset before each rebuild through /proc/self/clear_refs).
/// </summary>
public static class RebuildScenario
{
    private static readonly DateOnly Day = new(2016, 6, 6);
    private const int Segments = 4;

    public static async Task RunAsync(LocalStack stack, BenchOptions options, int eventCount, CancellationToken ct)
    {
        var report = new BenchReport("rebuild", $"Rebuild from the event store ({eventCount:N0} events, skewed mix)");
        var prefix = $"benchrb{DateTime.UtcNow:HHmmss}-";
        // DynamoDB read models only here: without PostgreSQL configured, the analytics read model is not hosted, so its live
        // subscription does not replay the seeded stream alongside the rebuilds.
        var settings = EventLedgerSettings.FromStack(stack, prefix) with { PostgresConnectionString = null };
        using var db = DynamoDbClients.Create(stack.DynamoDbEndpoint);
        var tables = new EventStoreTables(prefix);
        await EventStoreSchema.EnsureCreatedAsync(db, tables, ct);

        Console.WriteLine($"Rebuild scenario: seeding {eventCount:N0} events with BatchWriteItem…");
        var seed = Stopwatch.StartNew();
        await WriteAsync(db, tables.Events, Generate(eventCount).Select(EventItem.ToItem), ct);
        var seedRate = eventCount / seed.Elapsed.TotalSeconds;
        Console.WriteLine($"  seeded in {seed.Elapsed.TotalSeconds:F1} s ({seedRate:N0} items/s into the stream-enabled events table)");

        // The live versions start where the stream ends (as if they had been running all along), so the live
        // subscriptions do not compete with the rebuild; the rebuild seeds its catch-up from their checkpoints.
        await FastForwardLiveCheckpointsAsync(stack, db, tables, prefix, ct);

        var scan = await RawScanAsync(db, tables.Events, ct);
        var scanRate = scan.Items / scan.Seconds;
        Console.WriteLine($"  raw parallel scan ({Segments} segments): {scanRate:N0} items/s");
        var rawWrite = await RawBatchWriteAsync(db, prefix + "raw-write", Math.Min(eventCount, 100_000), ct);
        Console.WriteLine($"  raw BatchWriteItem (stream-less table): {rawWrite:N0} items/s");
        var ceiling = Math.Min(scanRate, rawWrite);

        var rebuildOptions = new RebuildOptions { RebuildSegments = Segments, RebuildPageSize = 2000, RebuildGracePeriod = TimeSpan.FromSeconds(1) };
        await using var app = await EventLedgerWebApp.BuildAsync(settings, port: 0, LogLevel.Warning, ct, configureServices: s => s.AddSingleton(rebuildOptions));
        await app.StartAsync(ct);
        var engine = app.Services.GetRequiredService<RebuildEngine>();
        var registry = app.Services.GetRequiredService<ReadModelVersionRegistry>();
        long worstPeak = 0;
        foreach (var name in ProjectionRegistrations.DynamoDb.Select(r => r.Name))
        {
            GC.Collect();
            ResetPeak();
            var started = Stopwatch.StartNew();
            var record = await engine.StartRebuildAsync(name, restart: false, ct);
            ReadModelVersionRecord? state = null;
            while (state is null || state.State == RebuildStates.Running)
            {
                await Task.Delay(250, ct);
                state = await registry.GetVersionAsync(name, record.Version, ct);
            }

            var seconds = started.Elapsed.TotalSeconds;
            var peak = PeakBytes();
            worstPeak = Math.Max(worstPeak, peak);
            Console.WriteLine($"  {name}: {state.State} in {seconds:F1} s, {state.EventsDone:N0} events, peak {peak / 1048576.0:N0} MB {state.Error}");
            report.Add(new($"rebuild of {name} (scan → ApplyAsync, start to switch)", state.EventsDone / seconds, "events/s",
                "slower of raw scan and raw BatchWriteItem", ceiling, 0.5,
                $"{state.State}, {seconds:F1} s, peak RSS {peak / 1048576.0:N0} MB"));
        }

        report.Add(new("raw parallel scan of the event store", scanRate, "items/s", $"{Segments} segments, Limit 2000, consistent reads", null, null));
        report.Add(new("raw BatchWriteItem into a stream-less table", rawWrite, "items/s", "25 items per call, 8 in flight", null, null));
        report.Add(new("peak RSS during a rebuild (VmHWM)", worstPeak / 1048576.0, "MB", "target ≤ 300 MB for 1,000,000 events", 300, null));
        report.Note("Analytics (PostgreSQL) is not part of this scenario yet: its rebuild goes through the same engine (tested), but its bulk path is ApplyAsync, not AnalyticsBulkLoader's binary COPY.");
        report.Note($"Seeding: {seedRate:N0} items/s with BatchWriteItem into the stream-enabled events table. The live read-model versions were fast-forwarded to the end of the stream so that the rebuilds ran alone; each rebuild includes creating its table, copying checkpoints, the bulk load, catch-up and the switch.");
        report.Note("Rebuild rate = eventsDone / (start → completed). Each page of the scan is one ApplyAsync batch; the projections coalesce per invoice (one conditional write per invoice per page for totals/counts, one row per event for history and transactions).");
        report.Note("Run: `dotnet run -c Release --project bench/EventLedger.Benchmarks -- rebuild --events N` (default 200,000; the brief's figure is --events 1000000).");
        report.WriteTo(options.ReportPath);
        await app.StopAsync(ct);
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

    private static async Task WriteAsync(IAmazonDynamoDB db, string table, IEnumerable<Dictionary<string, AttributeValue>> items, CancellationToken ct) =>
        await Parallel.ForEachAsync(items.Chunk(25), new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = ct }, async (chunk, token) =>
        {
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
        var counts = await Task.WhenAll(Enumerable.Range(0, Segments).Select(async segment =>
        {
            long n = 0;
            Dictionary<string, AttributeValue>? start = null;
            do
            {
                var page = await db.ScanAsync(new ScanRequest
                {
                    TableName = table, Segment = segment, TotalSegments = Segments, Limit = 2000, ExclusiveStartKey = start, ConsistentRead = true,
                }, ct);
                n += page.Items?.Count ?? 0;
                start = page.LastEvaluatedKey is { Count: > 0 } k ? k : null;
            }
            while (start is not null);
            return n;
        }));
        return (counts.Sum(), watch.Elapsed.TotalSeconds);
    }

    private static async Task<double> RawBatchWriteAsync(IAmazonDynamoDB db, string table, int count, CancellationToken ct)
    {
        await db.CreateTableAsync(new CreateTableRequest
        {
            TableName = table,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new("StreamId", ScalarAttributeType.S), new("Version", ScalarAttributeType.N)],
            KeySchema = [new("StreamId", KeyType.HASH), new("Version", KeyType.RANGE)],
        }, ct);
        await WriteAsync(db, table, Generate(2000).Select(EventItem.ToItem).Select(i => Renamed(i, "warm")), ct); // warm-up
        var watch = Stopwatch.StartNew();
        await WriteAsync(db, table, Generate(count).Select(EventItem.ToItem), ct);
        var rate = count / watch.Elapsed.TotalSeconds;
        await db.DeleteTableAsync(table, ct);
        return rate;
    }

    private static Dictionary<string, AttributeValue> Renamed(Dictionary<string, AttributeValue> item, string prefix)
    {
        item["StreamId"] = new AttributeValue { S = prefix + item["StreamId"].S };
        return item;
    }

    private static async Task FastForwardLiveCheckpointsAsync(LocalStack stack, IAmazonDynamoDB db, EventStoreTables tables, string prefix, CancellationToken ct)
    {
        var streams = DynamoDbStreamsClient.ForEndpoint(stack.DynamoDbEndpoint!);
        var arn = await EventStoreSchema.GetStreamArnAsync(db, tables, ct);
        var description = await streams.DescribeStreamAsync(new EventLedger.Streams.Client.Model.DescribeStreamRequest { StreamArn = arn }, ct);
        var leases = new DynamoDbLeaseStore(db, prefix + "leases");
        await leases.EnsureTableAsync(ct);
        var checkpoints = new DynamoDbCheckpointStore(db, prefix + "leases");
        var watch = Stopwatch.StartNew();
        long records = 0;
        foreach (var shard in description.StreamDescription.Shards)
        {
            var iterator = (await streams.GetShardIteratorAsync(new EventLedger.Streams.Client.Model.GetShardIteratorRequest { StreamArn = arn, ShardId = shard.ShardId }, ct)).ShardIterator;
            string? last = null;
            while (iterator is not null)
            {
                var page = await streams.GetRecordsAsync(new EventLedger.Streams.Client.Model.GetRecordsRequest { ShardIterator = iterator, Limit = 1000 }, ct);
                if (page.Records.Count == 0) break;
                records += page.Records.Count;
                last = page.Records[^1].Dynamodb.SequenceNumber;
                iterator = page.NextShardIterator;
            }

            if (last is null) continue;
            foreach (var name in ProjectionRegistrations.DynamoDb.Select(r => r.Name))
            {
                var subscription = ProjectionHostService.SubscriptionName(name, 1);
                await leases.CreateIfMissingAsync(new Lease(subscription, shard.ShardId) { ParentShardId = shard.ParentShardId }, ct);
                await checkpoints.SaveAsync(subscription, shard.ShardId, last, ct);
            }
        }

        Console.WriteLine($"  read the stream to its end ({records:N0} records, {records / watch.Elapsed.TotalSeconds:N0}/s) and checkpointed the live versions there");
    }

    private static void ResetPeak()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static long PeakBytes()
    {
        var line = File.Exists("/proc/self/status") ? File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)) : null;
        return line is null
            ? Process.GetCurrentProcess().PeakWorkingSet64
            : long.Parse(line.Split(':', 2)[1].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
}
