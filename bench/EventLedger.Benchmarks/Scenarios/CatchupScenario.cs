using System.Diagnostics;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.Benchmarks.Infrastructure;
using EventLedger.Server;
using EventLedger.EmbeddedStack;
using EventLedger.EventStore.Events;
using EventLedger.EventStore.Tables;
using EventLedger.ProjectionHost.Hosting;
using EventLedger.Projections;
using EventLedger.Projections.Common;
using EventLedger.Projections.Contracts;
using EventLedger.Projections.CountryCounts;
using EventLedger.Projections.DynamoDb;
using EventLedger.Projections.InvoiceHistory;
using EventLedger.Projections.InvoiceTotals;
using EventLedger.Projections.InvoiceTransactions;
using EventLedger.Streams.Client;
using Microsoft.Extensions.Logging;

namespace EventLedger.Benchmarks.Scenarios;

/// <summary>
/// Catch-up into the four DynamoDB read models (brief §10): seeds N skewed events into a fresh stream-enabled events
/// table, then measures in one run (a) a raw GetRecords read of the whole stream, (b) the design pattern's Lambda: one
/// version-guarded UpdateItem (PutItem for history) per record per read model, and (c) the projection host catching up
/// from TRIM_HORIZON, timed before and after (b) into fresh tables; every end state must be identical, item by item. After
/// each host run, (d) the DynamoDB Local work its end state needs, each part timed alone: the writes in scan and in random
/// order, and the version guard's reads.
/// </summary>
public static class CatchupScenario
{
    public static async Task RunAsync(LocalStack stack, BenchOptions options, int eventCount, ProjectionHostOptions hostSettings, CancellationToken ct)
    {
        var report = new BenchReport("catchup", "Catch-up into the DynamoDB read models (skewed mix)");
        var run = $"cu{DateTime.UtcNow:HHmmss}-";
        var settings = EventLedgerSettings.FromStack(stack, run);
        using var db = DynamoDbClients.Create(settings.DynamoDbEndpoint);
        using var streams = DynamoDbStreamsClient.ForEndpoint(settings.DynamoDbEndpoint!);
        var eventStore = new EventStoreTables(run);
        await EventStoreSchema.EnsureCreatedAsync(db, eventStore, ct);
        var streamArn = await EventStoreSchema.GetStreamArnAsync(db, eventStore, ct);

        Console.WriteLine($"Catch-up scenario: generating {eventCount:N0} skewed events through InvoiceDecider…");
        var generator = new SkewedEventGenerator();
        var events = generator.Generate(eventCount);
        var hotEvents = events.Count(e => e.StreamId.StartsWith("hot-", StringComparison.Ordinal));
        var mix = events.GroupBy(e => e.EventType).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count():N0}");
        Console.WriteLine($"  {generator.InvoiceCount:N0} invoices; hot invoices hold {hotEvents:N0} events; {string.Join(", ", mix)}");

        var seed = await SeedAsync(db, eventStore.Events, events, ct);
        Console.WriteLine($"  seeded {events.Count:N0} events with BatchWriteItem in {seed.TotalSeconds:F1} s ({events.Count / seed.TotalSeconds:N0} items/s)");

        // (a) raw read of the whole stream.
        var clock = Stopwatch.StartNew();
        var read = await StreamTools.ReadAllAsync(streams, streamArn, events.Count, null, "raw GetRecords", ct);
        var rawRead = read / clock.Elapsed.TotalSeconds;
        Progress.Done();
        Console.WriteLine($"  raw stream read: {read:N0} records in {clock.Elapsed.TotalSeconds:F1} s = {rawRead:N0} records/s");

        // (c) the projection host, catching up the four read models from TRIM_HORIZON (run before the baseline so the JVM is
        // equally warm for both: the seeding and the raw read warmed it up).
        var hostPrefix = $"{run}host-";
        await CreateTablesAsync(db, hostPrefix, ct);
        // Where the machine's CPU went in each timed part (the host and the floor run in this process, beside DynamoDB Local).
        var cpu = new List<string>();
        async Task<T> CpuOfAsync<T>(string part, Func<Task<T>> run)
        {
            var shares = CpuShares.ForRun(settings.DynamoDbEndpoint);
            shares.Start();
            var result = await run();
            cpu.Add($"{part}: {shares.Shares()}");
            return result;
        }

        // What the host asked of DynamoDB Local (BatchWriteItem items, BatchGetItem keys) beside what the end state needs.
        // Counted during the first host run only: the counting would otherwise run on every call of the per-record consumer.
        var operations = new OperationCounter();
        double firstSeconds;
        string hostDetail;
        using (operations.Attach(db))
        {
            (firstSeconds, hostDetail) = await CpuOfAsync("host", () => RunHostAsync(db, streams, eventStore, hostSettings with { TablePrefix = hostPrefix }, events.Count, ct));
        }

        var asked = operations.ItemsSnapshot();
        var firstRate = events.Count / firstSeconds;
        Console.WriteLine($"  projection host: {events.Count:N0} events in {firstSeconds:F1} s = {firstRate:N0} events/s");

        // (d) the floor BatchWriteItem sets: the end state's items written into empty copies of the four tables through the
        // host's own call path (what the host's writes cannot beat, whatever it does about reading and folding), in scan order and
        // in random order, and the guard's reads of the same rows alone. Timed right after each host run, so each host time has
        // a floor from the same minutes of DynamoDB Local's drifting speed.
        // The end state is read back first, outside the timing and the CPU share.
        async Task<Floor> FloorAfterAsync(string part, string prefixOfHost, string floorPrefix)
        {
            var endState = await ReadEndStateAsync(db, prefixOfHost, ct);
            var floor = await CpuOfAsync(part, () => TimeFloorAsync(db, endState, floorPrefix, ct));
            Console.WriteLine($"  {part}: {floor.Items:N0} end-state items written in {floor.ScanOrderSeconds:F1} s in scan order, {floor.RandomOrderSeconds:F1} s in random order; " +
                $"{floor.GuardKeys:N0} guard keys read in {floor.GuardReadSeconds:F1} s");
            return floor;
        }

        var first = await FloorAfterAsync("floor", hostPrefix, $"{run}floor-");

        // (b) the one-UpdateItem-per-record consumer.
        var basePrefix = $"{run}lambda-";
        var baseline = new PerRecordConsumer(db, basePrefix);
        await CreateTablesAsync(db, basePrefix, ct);
        clock.Restart();
        var consumed = await CpuOfAsync("per-record consumer", () => StreamTools.ReadAllAsync(streams, streamArn, events.Count, baseline.ApplyPageAsync, "per-record consumer", ct));
        var baseSeconds = clock.Elapsed.TotalSeconds;
        Progress.Done();
        var baseRate = consumed / baseSeconds;
        Console.WriteLine($"  per-record consumer: {consumed:N0} records, {baseline.Writes:N0} writes in {baseSeconds:F1} s = {baseRate:N0} records/s");

        // (c') the projection host again, into fresh tables: DynamoDB Local's speed drifts within a run (the same BatchWriteItem
        // floor has taken 27–35 s in runs of the same hour), so the host is timed on both sides of the per-record consumer and
        // the ratio uses the mean of the two times.
        var againPrefix = $"{run}host2-";
        await CreateTablesAsync(db, againPrefix, ct);
        var (againSeconds, _) = await CpuOfAsync("host again", () => RunHostAsync(db, streams, eventStore, hostSettings with { TablePrefix = againPrefix }, events.Count, ct));
        Console.WriteLine($"  projection host again: {events.Count:N0} events in {againSeconds:F1} s = {events.Count / againSeconds:N0} events/s");
        var again = await FloorAfterAsync("floor again", againPrefix, $"{run}floor2-");
        var hostRate = events.Count / ((firstSeconds + againSeconds) / 2);
        hostDetail += $"; the mean of {firstSeconds:F1} s before and {againSeconds:F1} s after the per-record consumer " +
            $"({firstRate / baseRate:F2}x and {events.Count / againSeconds / baseRate:F2}x)";

        Console.WriteLine("  comparing end states…");
        var compared = await CompareAsync(db, hostPrefix, basePrefix, events.Count, ct);
        await CompareAsync(db, againPrefix, basePrefix, events.Count, ct);

        var floorItems = first.Items;
        var scanOrderSeconds = (first.ScanOrderSeconds + again.ScanOrderSeconds) / 2;
        var randomOrderSeconds = (first.RandomOrderSeconds + again.RandomOrderSeconds) / 2;
        var streamReadSeconds = events.Count / rawRead;
        // The host's work done alone, part by part: the stream read once, the guard's reads of the end state's rows, and the
        // end state's items written in random order (the stream's order is random over the keys but for the hot invoices).
        double AloneSeconds(Floor floor) => streamReadSeconds + floor.GuardReadSeconds + floor.RandomOrderSeconds;
        var aloneSeconds = (AloneSeconds(first) + AloneSeconds(again)) / 2;

        report.Add(new("projection host catch-up, 4 read models from TRIM_HORIZON", hostRate, "events/s",
            "one-UpdateItem-per-record consumer", baseRate, 5, hostDetail));
        report.Add(new("projection host vs the BatchWriteItem floor of its end state, in scan order", hostRate, "events/s",
            "BatchWriteItem of the end state's items in scan order", events.Count / scanOrderSeconds, null,
            $"{floorItems:N0} items, {BoundedDynamoDb.MaxBatchWriteItems} per call, {ProjectionWriteOptions.Default.MaxConcurrentCalls} in flight (the host's own call path), timed right after each host run: {first.ScanOrderSeconds:F1} s and {again.ScanOrderSeconds:F1} s " +
            $"(the host at {first.ScanOrderSeconds / firstSeconds:F2} and {again.ScanOrderSeconds / againSeconds:F2} of them), mean {floorItems / scanOrderSeconds:N0} items/s; " +
            "a scan returns a table's items by the hash of their key (DynamoDB Local's scan segments are ranges of that hash), so these puts come in the order of its index on the hash, which a stream consumer's do not"));
        report.Add(new("projection host vs the BatchWriteItem floor of its end state, in random order", hostRate, "events/s",
            "BatchWriteItem of the end state's items in random order", events.Count / randomOrderSeconds, null,
            $"the same items shuffled: {first.RandomOrderSeconds:F1} s and {again.RandomOrderSeconds:F1} s " +
            $"(the host at {first.RandomOrderSeconds / firstSeconds:F2} and {again.RandomOrderSeconds / againSeconds:F2} of them; random order took " +
            $"{first.RandomOrderSeconds / first.ScanOrderSeconds:F2}x and {again.RandomOrderSeconds / again.ScanOrderSeconds:F2}x the scan order's time)"));
        // The ceiling of the target's ratio on this run's DynamoDB Local: a consumer that did nothing but write the end state's
        // items with BatchWriteItem, against the per-record consumer. Below 5, the target is out of reach whatever the host does.
        report.Add(new("the BatchWriteItem floor itself vs the one-UpdateItem-per-record consumer (the most any consumer that writes this end state reached here)", events.Count / scanOrderSeconds, "events/s",
            "one-UpdateItem-per-record consumer", baseRate, 5,
            $"the writes alone in scan order, no stream read, no fold: the ceiling of the catch-up ratio on this run's DynamoDB Local; in random order {events.Count / randomOrderSeconds / baseRate:F2}x"));
        // The host's DynamoDB Local work, each part timed alone (nothing else in flight), times added. A consumer that reads while
        // it writes can beat the sum; one whose parts slow each other down on DynamoDB Local's one storage thread cannot reach it.
        report.Add(new("projection host vs its DynamoDB Local work done alone: the stream read, the guard's reads, the writes in random order", hostRate, "events/s",
            "raw stream read + guard reads + random-order BatchWriteItem, times added", events.Count / aloneSeconds, null,
            $"{streamReadSeconds:F1} s + {first.GuardReadSeconds:F1} s + {first.RandomOrderSeconds:F1} s = {AloneSeconds(first):F1} s beside the first host run, " +
            $"{streamReadSeconds:F1} s + {again.GuardReadSeconds:F1} s + {again.RandomOrderSeconds:F1} s = {AloneSeconds(again):F1} s beside the second " +
            $"(the host at {AloneSeconds(first) / firstSeconds:F2} and {AloneSeconds(again) / againSeconds:F2} of them); {first.GuardKeys:N0} guard keys, {BoundedDynamoDb.MaxBatchGetKeys} a call, " +
            $"from empty tables as most of the host's reads find nothing; that work alone is {events.Count / aloneSeconds / baseRate:F2}x the per-record consumer"));
        report.Add(new("one-UpdateItem-per-record consumer (design pattern's Lambda)", baseRate, "records/s",
            "raw stream read", rawRead, null, $"{baseline.Writes:N0} conditional writes, {baseline.Writes / baseSeconds:N0} writes/s"));
        report.Add(new("raw stream read (GetRecords loop, Limit 1000)", rawRead, "records/s", "brief: ~43,000 records/s", 43_000, null));
        report.Add(new("projection host vs raw stream read", hostRate, "events/s", "raw stream read", rawRead, null));
        report.Note($"{events.Count:N0} events over {generator.InvoiceCount:N0} invoices: {SkewedEventGenerator.HotInvoices} hot invoices hold " +
            $"{hotEvents:N0} events (thousands of transactions each); cold invoices arrive in bursts ({SkewedEventGenerator.ActiveColdInvoices} active at a time, 1–20 events each). " +
            $"Mix: {string.Join(", ", events.GroupBy(e => e.EventType).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count():N0}"))}. " +
            "Generated through InvoiceDecider.Decide/Evolve and seeded with BatchWriteItem of EventItem.ToItem items (at most one event per invoice per call, calls per invoice in order).");
        report.Note("The per-record consumer reads the same stream with GetRecords (Limit 1000) and, for every record, issues one conditional " +
            "UpdateItem per read model (invoice-totals, country-counts, invoice-transactions; a conditional PutItem for invoice-history), guarded by " +
            "`lastAppliedVersion < :version`; records of a page run in 8 lanes keyed by invoice (per-invoice order kept), a record's writes concurrently.");
        report.Note($"End states identical: {compared}. Ignored: nothing (updatedAt is the event's RecordedAt on both sides).");
        report.Note($"What the host asked of DynamoDB Local in its first run: {asked.GetValueOrDefault("BatchWriteItem items"):N0} items written (the end state holds {floorItems:N0}: rows written again in a later batch count again), " +
            $"{asked.GetValueOrDefault("BatchGetItem keys"):N0} row keys read (the version guard and the fold's current rows), and the {events.Count:N0} stream records read once; the parts timed alone write the end state's items once and read its guarded rows once.");
        report.Note($"CPU in each timed part, in cores (/proc utime + stime; the host, the floor and the per-record consumer run in this process): {string.Join("; ", cpu)}.");
        report.Note($"Seeding: {events.Count / seed.TotalSeconds:N0} items/s through BatchWriteItem (brief: ~5,000 items/s). {Load()}");
        report.WriteTo(options.ReportPath);
    }

    public static string Load() => File.Exists("/proc/loadavg")
        ? $"Machine load during the run (1/5/15-min load average on 2 cores): {string.Join(" / ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3))}."
        : "";

    /// <summary>Seeds the events with BatchWriteItem: lanes by invoice, each lane's calls in order, at most one event per invoice per call.</summary>
    private static async Task<TimeSpan> SeedAsync(IAmazonDynamoDB db, string table, List<StoredEvent> events, CancellationToken ct)
    {
        const int lanes = 8;
        var byLane = events.GroupBy(e => Lane(e.StreamId, lanes)).Select(g => g.ToList()).ToList();
        long written = 0;
        var clock = Stopwatch.StartNew();
        using (Progress.Every(() => $"seeding: {Interlocked.Read(ref written):N0}/{events.Count:N0} ({Interlocked.Read(ref written) / clock.Elapsed.TotalSeconds:N0}/s)"))
        {
            await Task.WhenAll(byLane.Select(lane => Task.Run(async () =>
            {
                var batch = new List<StoredEvent>(25);
                var invoices = new HashSet<string>(StringComparer.Ordinal);
                foreach (var e in lane)
                {
                    if (batch.Count == 25 || invoices.Contains(e.StreamId))
                    {
                        await WriteAsync(batch);
                        batch.Clear();
                        invoices.Clear();
                    }

                    batch.Add(e);
                    invoices.Add(e.StreamId);
                }

                await WriteAsync(batch);
            }, ct)));
        }

        Progress.Done();
        return clock.Elapsed;

        async Task WriteAsync(List<StoredEvent> batch)
        {
            if (batch.Count == 0)
            {
                return;
            }

            List<WriteRequest> pending = [.. batch.Select(e => new WriteRequest { PutRequest = new PutRequest { Item = EventItem.ToItem(e) } })];
            while (pending.Count > 0)
            {
                var response = await db.BatchWriteItemAsync(new BatchWriteItemRequest { RequestItems = new() { [table] = pending } }, ct);
                pending = response.UnprocessedItems?.GetValueOrDefault(table) ?? [];
            }

            Interlocked.Add(ref written, batch.Count);
        }
    }

    private static int Lane(string invoice, int lanes) =>
        invoice.StartsWith("hot-", StringComparison.Ordinal)
            ? int.Parse(invoice.AsSpan(4), System.Globalization.CultureInfo.InvariantCulture) % lanes
            : (int)((uint)StringComparer.Ordinal.GetHashCode(invoice) % lanes);

    private static async Task<(double Seconds, string Detail)> RunHostAsync(
        IAmazonDynamoDB db, IDynamoDbStreams streams, EventStoreTables eventStore, ProjectionHostOptions hostOptions, int expected, CancellationToken ct)
    {
        using var loggers = ConsoleLogging.CreateFactory(LogLevel.Warning);
        var prefix = hostOptions.TablePrefix;
        var stores = new ReadModelStores(db, Postgres: null, prefix, loggers);
        var readModels = ReadModelCatalog.DynamoDb.Select(r => ReadModelHosting.Host(r, stores)!).ToList();
        await using var host = new ProjectionHostService(db, streams, eventStore, hostOptions, new StaticReadModelCatalog(prefix), readModels, loggers);
        var clock = Stopwatch.StartNew();
        await host.StartAsync(ct);
        IReadOnlyList<RunningSubscriptionStatus> status = [];
        using (Progress.Every(() => "projection host: " + string.Join(", ", status.Select(s => $"{s.ReadModel} {s.Subscription.RecordsProcessed:N0}"))))
        {
            while (true)
            {
                status = host.GetStatus();
                if (status.Count == ReadModelCatalog.DynamoDb.Count
                    && status.All(s => s.Subscription.RecordsProcessed >= expected && s.Subscription.LagMilliseconds == 0))
                {
                    break;
                }

                if (status.Any(s => s.Subscription.DeadLetterCount > 0))
                {
                    throw new InvalidOperationException("The projection host parked records in the dead-letter store: " +
                        string.Join(", ", status.Select(s => $"{s.ReadModel} {s.Subscription.DeadLetterCount}")));
                }

                if (clock.Elapsed > TimeSpan.FromMinutes(20))
                {
                    throw new TimeoutException("The projection host did not catch up within 20 minutes.");
                }

                await Task.Delay(10, ct);
            }
        }

        var seconds = clock.Elapsed.TotalSeconds;
        Progress.Done();
        await host.StopAsync(ct);
        return (seconds, $"BatchSize {hostOptions.BatchSize}, ParallelizationFactor {hostOptions.ParallelizationFactor}, the 4 read models as one group");
    }

    private static async Task<string> CompareAsync(IAmazonDynamoDB db, string hostPrefix, string basePrefix, int expectedEvents, CancellationToken ct)
    {
        var parts = new List<string>();
        await CompareTableAsync(InvoiceTotalsProjection.ProjectionName, new RowMapper<InvoiceTotalsRow>().FromItem);
        await CompareTableAsync(CountryCountsProjection.ProjectionName, new RowMapper<CountryCountsRow>().FromItem);
        await CompareTableAsync(InvoiceTransactionsProjection.ProjectionName, new RowMapper<InvoiceTransactionRow>().FromItem);
        var history = await CompareTableAsync(InvoiceHistoryProjection.ProjectionName, new RowMapper<InvoiceHistoryRow>().FromItem);
        if (history != expectedEvents)
        {
            throw new InvalidOperationException($"invoice-history holds {history:N0} rows, expected {expectedEvents:N0}.");
        }

        return string.Join("; ", parts);

        async Task<int> CompareTableAsync<TRow>(string name, Func<IReadOnlyDictionary<string, AttributeValue>, TRow> fromItem)
            where TRow : notnull
        {
            var hostItems = await StreamTools.ScanAsync(db, new ReadModelTable(hostPrefix, name, 1).TableName, ct);
            var baseItems = await StreamTools.ScanAsync(db, new ReadModelTable(basePrefix, name, 1).TableName, ct);
            var hostRows = hostItems.Select(i => fromItem(i)).ToHashSet();
            var baseRows = baseItems.Select(i => fromItem(i)).ToHashSet();
            var onlyHost = hostRows.Except(baseRows).ToList();
            var onlyBase = baseRows.Except(hostRows).ToList();
            if (onlyHost.Count > 0 || onlyBase.Count > 0 || hostItems.Count != baseItems.Count)
            {
                throw new InvalidOperationException(
                    $"END STATES DIFFER in {name}: host {hostItems.Count:N0} rows, per-record consumer {baseItems.Count:N0}; " +
                    $"{onlyHost.Count} only in host (e.g. {onlyHost.FirstOrDefault()}), {onlyBase.Count} only in consumer (e.g. {onlyBase.FirstOrDefault()}).");
            }

            parts.Add($"{name} {hostItems.Count:N0} rows");
            Console.WriteLine($"    {name}: {hostItems.Count:N0} rows identical");
            return hostItems.Count;
        }
    }

    /// <summary>
    /// The host's end state, read back: every item of its four tables, and the keys of the rows a version guard reads (the
    /// tables whose rows change; invoice-history's never do, so the host puts them without a read).
    /// </summary>
    private static async Task<EndState> ReadEndStateAsync(IAmazonDynamoDB db, string hostPrefix, CancellationToken ct)
    {
        var items = new List<(string ReadModel, Dictionary<string, AttributeValue> Item)>();
        var guardKeys = new List<(string ReadModel, Dictionary<string, AttributeValue> Key)>();
        foreach (var readModel in ReadModelCatalog.DynamoDb)
        {
            var table = readModel.Table(new ReadModelTable(hostPrefix, readModel.Name, 1).TableName);
            var scanned = await StreamTools.ScanAsync(db, table.TableName, ct);
            items.AddRange(scanned.Select(i => (readModel.Name, i)));
            if (!readModel.RowsNeverChange)
            {
                string[] keyNames = table.SortKey is { } sort ? [table.PartitionKey.Name, sort.Name] : [table.PartitionKey.Name];
                guardKeys.AddRange(scanned.Select(i => (readModel.Name, keyNames.ToDictionary(k => k, k => i[k]))));
            }
        }

        return new EndState(items, guardKeys);
    }

    /// <summary>The host's end state: its items and the keys its version guard reads, each with the read model it belongs to.</summary>
    private sealed record EndState(
        List<(string ReadModel, Dictionary<string, AttributeValue> Item)> Items,
        List<(string ReadModel, Dictionary<string, AttributeValue> Key)> GuardKeys);

    /// <summary>
    /// The DynamoDB Local work <paramref name="endState"/> needs, each part timed alone (nothing else in flight), through the
    /// calls the host makes (<see cref="BoundedDynamoDb"/>: BatchWriteItem 25 items a call, BatchGetItem 100 keys a call, at
    /// most 8 in flight): its items written into empty copies of the four tables in the order a scan returned them and again
    /// in random order, and its guarded rows read from the empty copies, as most of the host's reads find nothing. The copies
    /// are dropped afterwards, so what runs next meets DynamoDB Local holding what it did before.
    /// </summary>
    private static async Task<Floor> TimeFloorAsync(IAmazonDynamoDB db, EndState endState, string floorPrefix, CancellationToken ct)
    {
        string[] prefixes = [floorPrefix, floorPrefix + "r-"];
        foreach (var prefix in prefixes)
        {
            await CreateTablesAsync(db, prefix, ct);
        }

        string Table(string prefix, string readModel) => new ReadModelTable(prefix, readModel, 1).TableName;
        using var calls = new BoundedDynamoDb(db, ProjectionWriteOptions.Default);
        var clock = Stopwatch.StartNew();
        await calls.BatchGetAsync([.. endState.GuardKeys.Select(k => (Table(prefixes[1], k.ReadModel), k.Key))], ct);
        var guardReadSeconds = clock.Elapsed.TotalSeconds;

        var items = endState.Items.ToArray();
        var scanOrderSeconds = await WriteAsync(prefixes[0]);
        new Random(42).Shuffle(items);
        var randomOrderSeconds = await WriteAsync(prefixes[1]);
        await Task.WhenAll(prefixes.SelectMany(prefix => ReadModelCatalog.DynamoDb.Select(r => db.DeleteTableAsync(Table(prefix, r.Name), ct))));
        return new Floor(items.Length, scanOrderSeconds, randomOrderSeconds, endState.GuardKeys.Count, guardReadSeconds);

        async Task<double> WriteAsync(string prefix)
        {
            var watch = Stopwatch.StartNew();
            await calls.BatchPutAsync([.. items.Select(i => (Table(prefix, i.ReadModel), i.Item))], ct);
            return watch.Elapsed.TotalSeconds;
        }
    }

    /// <summary>
    /// One timing of the end state's floor: <see cref="Items"/> written in scan order and in random order, and
    /// <see cref="GuardKeys"/> (the end state's rows of the tables whose rows a version guard reads) read from empty tables.
    /// </summary>
    private sealed record Floor(int Items, double ScanOrderSeconds, double RandomOrderSeconds, int GuardKeys, double GuardReadSeconds);

    private static Task CreateTablesAsync(IAmazonDynamoDB db, string prefix, CancellationToken ct) =>
        Task.WhenAll(ReadModelCatalog.DynamoDb.Select(r => r.Table(new ReadModelTable(prefix, r.Name, 1).TableName).CreateIfNotExistsAsync(db, ct)));
}
