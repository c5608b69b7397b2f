using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.Api.Security;
using EventLedger.Benchmarks.Infrastructure;
using EventLedger.Server;
using EventLedger.EmbeddedStack;
using EventLedger.ProjectionHost.Hosting;
using EventLedger.ProjectionHost.Hosting.Group;
using EventLedger.Projections.Contracts;
using EventLedger.Projections.InvoiceTotals;
using EventLedger.Streams.Metrics;
using EventLedger.Streams.Client;
using EventLedger.Streams.Client.Model;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EventLedger.Benchmarks.Scenarios;

/// <summary>
/// Command → read model visible (brief §10): the app (API + projection host) in-process, RecordTransaction over HTTP on
/// an open-loop schedule at a fixed rate; for each command, the time from its scheduled send until <c>GET /invoices/{n}</c>
/// shows <c>version ≥</c> the version the command returned (<c>minVersion</c> with <c>waitMs</c>). Beside it, in the same run, the raw stream
/// propagation delay: PutItem into a small stream-enabled probe table, time until GetRecords (polled every 1 ms) returns it.
/// </summary>
public static class LatencyScenario
{
    public static async Task RunAsync(LocalStack stack, BenchOptions options, int rate, int seconds, ProjectionHostOptions hostOptions, JvmPauses? jvmPauses, CancellationToken ct)
    {
        // The brief's figure is at 100/s; another rate gets its own section (e.g. to separate the host's delay from queueing on a saturated machine).
        var report = new BenchReport(rate == 100 ? "latency" : $"latency-{rate}", $"Command → read model visible at {rate} commands/s");
        var prefix = $"lat{DateTime.UtcNow:HHmmss}-";
        var settings = EventLedgerSettings.FromStack(stack, prefix);
        // Count the app's DynamoDB and Streams calls (the probe below uses its own clients).
        var operations = new OperationCounter();
        await using var app = await EventLedgerWebApp.BuildAsync(settings, port: 0, LogLevel.Warning, ct, configureServices: services =>
            services.AddSingleton(_ => operations.Wrap(DynamoDbStreamsClient.ForEndpoint(settings.DynamoDbEndpoint!))));
        operations.Attach(app.Services.GetRequiredService<IAmazonDynamoDB>());
        var configured = app.Services.GetRequiredService<ProjectionHostOptions>();
        if (configured.PollInterval != hostOptions.PollInterval || configured.BatchSize != hostOptions.BatchSize)
        {
            Console.WriteLine($"  note: host runs with PollInterval {configured.PollInterval.TotalMilliseconds} ms, BatchSize {configured.BatchSize} (from the app's configuration)");
        }

        await app.StartAsync(ct);
        using var db = EmbeddedStack.DynamoDbClients.Create(settings.DynamoDbEndpoint);
        using var streams = DynamoDbStreamsClient.ForEndpoint(settings.DynamoDbEndpoint!);
        using var http = new HttpClient { BaseAddress = app.BaseAddress() };
        http.DefaultRequestHeaders.Authorization = app.Services.LocalBearer("bench", LedgerScopes.All, TimeSpan.FromHours(12));
        http.DefaultRequestHeaders.ConnectionClose = false;

        // Wait until every subscription holds its lease and reads (otherwise the first commands measure the start-up).
        var projectionHost = app.Services.GetRequiredService<ProjectionHostService>();
        var started = Stopwatch.StartNew();
        while (!projectionHost.GetStatus().All(s => s.Subscription.Shards.Any(sh => sh.State == "Processing")) || projectionHost.GetStatus().Count == 0)
        {
            if (started.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException("The projection host did not start reading within 60 s.");
            }

            await Task.Delay(50, ct);
        }

        var probeTable = prefix + "probe";
        await CreateProbeTableAsync(db, probeTable, ct);

        // As long as the measured window: the server's start leaves a backlog (seconds of it at 100/s), caught up about 15 s
        // after the start in the runs measured, and a 10 s warm-up let the measured window begin inside it (docs/benchmarks.md, "p99").
        var warmup = Math.Max(10, seconds);
        Console.WriteLine($"Latency scenario: warm-up {warmup} s at {rate}/s, then {seconds} s measured (open loop), with the stream-propagation probe alongside…");
        var signal = app.Services.GetRequiredService<AppliedVersionSignal>();
        await RunLoadAsync(http, signal, rate, warmup, "warm", ct);
        using var probeStop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var probe = ProbeAsync(db, streams, probeTable, probeStop.Token);
        var callsBefore = operations.Snapshot();
        var cpu = CpuShares.ForRun(settings.DynamoDbEndpoint);
        cpu.Start();
        operations.StartTiming();
        var batches = new HostBatches();
        var windowStart = DateTimeOffset.UtcNow;
        var measured = await batches.RecordWhileAsync(() => RunLoadAsync(http, signal, rate, seconds, "run", ct));
        var gcPauses = jvmPauses?.Within(windowStart, DateTimeOffset.UtcNow);
        var callTimes = operations.StopTiming();
        var cpuShares = cpu.Describe();
        var callsAfter = operations.Snapshot();
        var calls = OperationCounter.PerUnit(callsBefore, callsAfter, rate * seconds);
        var hostCalls = OperationCounter.HostPerUnit(callsBefore, callsAfter, rate * seconds);
        Console.WriteLine($"  DynamoDB / Streams calls per command: {calls}");
        Console.WriteLine($"  of which the projection host's: {hostCalls.Total:0.##} ({hostCalls.Detail})");
        var hostSettings = $"PollInterval {configured.PollInterval.TotalMilliseconds:0} ms, BatchSize {configured.BatchSize}, " +
            $"MaximumBatchingWindow {configured.MaximumBatchingWindow.TotalMilliseconds:0} ms, AdaptiveBatchingWindow {configured.AdaptiveBatchingWindow.TotalMilliseconds:0} ms, " +
            $"LoadedBatchInterval {configured.LoadedBatchInterval.TotalMilliseconds:0} ms, CheckpointInterval {configured.CheckpointInterval.TotalMilliseconds:0} ms, ReadAhead {configured.ReadAhead}";
        Console.WriteLine($"  host: {hostSettings}");
        Console.WriteLine($"  {cpuShares}");
        await probeStop.CancelAsync();
        var propagation = await probe;

        var visible = new LoadResult(measured.Visible.Count, TimeSpan.FromSeconds(seconds), [.. measured.Visible], measured.Errors);
        var commands = new LoadResult(measured.Command.Count, TimeSpan.FromSeconds(seconds), [.. measured.Command], measured.Errors);
        var afterAck = new LoadResult(measured.AfterAck.Count, TimeSpan.FromSeconds(seconds), [.. measured.AfterAck], 0);
        var stream = new LoadResult(propagation.Count, TimeSpan.FromSeconds(seconds), [.. propagation.Select(p => p.Total)], 0);
        var stages = new Stages(
            Command: commands,
            StreamLag: Of(propagation.Select(p => p.AfterWrite)),
            Applied: Of(measured.Applied),
            Shown: Of(measured.Shown),
            GetRecords: Of(callTimes.GetValueOrDefault("Streams.GetRecords") ?? []),
            Apply: Of(batches.Durations),
            Window: Of(batches.Windows),
            Records: batches.Records.IsEmpty ? 0 : batches.Records.Average());
        report.Add(new("command → read model visible, p50", visible.P50, "ms", "raw stream propagation p50", stream.P50, null,
            $"target ≤ 50 ms: {(visible.P50 <= 50 ? "meets" : "misses")}"));
        report.Add(new("command → read model visible, p99", visible.P99, "ms", "raw stream propagation p99", stream.P99, null,
            $"target ≤ 150 ms: {(visible.P99 <= 150 ? "meets" : "misses")}"));
        report.Add(new("command round trip (POST → 201), p50", commands.P50, "ms", "", null, null, $"p99 {commands.P99:F1} ms"));
        report.Add(new("201 → read model visible, p50", afterAck.P50, "ms", "", null, null, $"p99 {afterAck.P99:F1} ms"));
        AddStages(report, stages, visible, callTimes);
        if (gcPauses is not null)
        {
            report.Add(new("DynamoDB Local's GC pauses in the measured window (stop-the-world: every call and the stream wait), longest", gcPauses.DefaultIfEmpty(0).Max(), "ms", "", null, null,
                $"{gcPauses.Length} pauses, {gcPauses.Sum():F0} ms in all; " + (gcPauses.Any(p => p >= 20)
                    ? $"of 20 ms or more: {string.Join(", ", gcPauses.Where(p => p >= 20).Order().Select(p => p.ToString("F0", System.Globalization.CultureInfo.InvariantCulture)))} ms"
                    : "none of 20 ms or more")));
        }
        report.Add(new("projection host DynamoDB / Streams calls per command", hostCalls.Total, "calls", "", null, null,
            $"target ≤ 1.0: {(hostCalls.Total <= 1.0 ? "meets" : "misses")}; {hostCalls.Detail}"));
        report.Add(new("achieved command rate", measured.Command.Count / (double)seconds, "commands/s", "scheduled", rate, null));
        report.Note($"{measured.Visible.Count:N0} commands measured over {seconds} s after a {warmup} s warm-up; open loop (command i is sent at t0 + i/{rate} s " +
            "whatever the earlier ones do, and latency counts from that scheduled time); 1,000 invoices round robin, shared by the warm-up and the run (the warm-up creates those it reaches: all 1,000 at 100/s, 300 at 10/s); visibility through GET /invoices/{n}?minVersion=v&waitMs=5000 (the API's read-your-writes wait; in this in-process setup it is woken by the projection host's " +
            $"applied signal and then reads the row once). Errors: {measured.DescribeErrors()}. Host: {hostSettings}.");
        report.Note($"Calls the app made per command during the measured run (DynamoDB and Streams; the probe excluded): {calls}. The command path is TransactWriteItems and, on a head-cache miss (the first command of an invoice; the warm-up's, since the run uses the invoices it created), BatchGetItem(invoice-state); the API's read-your-writes GETs are GetItem of the read model; the rest is the projection host's.");
        report.Note($"{cpuShares} (/proc utime + stime over the window; on this machine DynamoDB Local has not been seen much above one core).");
        report.Note($"Raw stream propagation: {propagation.Count} probes (PutItem into a stream-enabled probe table, GetRecords polled every 1 ms on an open iterator), in the same run. " +
            "Lambda polls a shard 4 times a second, so its p50 alone would be ~125 ms plus the write. " + CatchupScenario.Load());
        report.WriteTo(options.ReportPath);
    }

    private static LoadResult Of(IEnumerable<double> milliseconds)
    {
        var values = milliseconds.ToArray();
        return new LoadResult(values.Length, TimeSpan.Zero, values, 0);
    }

    /// <summary>Where a command's time to visible goes, each stage measured on its own in the measured window.</summary>
    /// <param name="Command">Scheduled send → 201.</param>
    /// <param name="StreamLag">The probe: PutItem returned → GetRecords (every 1 ms) returned the record.</param>
    /// <param name="Applied">201 → the projection host published the command's version as applied to invoice-totals (its signal).</param>
    /// <param name="Shown">Applied → the API's read-your-writes GET returned the version.</param>
    /// <param name="GetRecords">The host's GetRecords calls that returned records.</param>
    /// <param name="Apply">The host's batches of the DynamoDB read models: processor time (BatchGetItem, BatchWriteItem, publish).</param>
    /// <param name="Window">The host's batches: how long each waited to fill (eventledger.streams.batching_window).</param>
    /// <param name="Records">The host's batches: records per batch, mean.</param>
    private sealed record Stages(LoadResult Command, LoadResult StreamLag, LoadResult Applied, LoadResult Shown, LoadResult GetRecords, LoadResult Apply, LoadResult Window, double Records)
    {
        /// <summary>
        /// Command → visible if the host read each record the moment the stream showed it, with no wait to fill a batch: the sum
        /// of the medians of the stages the host does not choose (the command, the stream's lag, one GetRecords, one apply of
        /// this run's median batch, the GET).
        /// An estimate (a sum of medians, not the median of sums), the same run's machine speed.
        /// </summary>
        public double FloorP50 => Command.P50 + StreamLag.P50 + GetRecords.P50 + Apply.P50 + Shown.P50;

        /// <summary>What the host's reading adds at the median: 201 → applied less the stream's lag, the read and the apply.</summary>
        public double WaitP50 => Applied.P50 - StreamLag.P50 - GetRecords.P50 - Apply.P50;
    }

    private static void AddStages(BenchReport report, Stages s, LoadResult visible, IReadOnlyDictionary<string, double[]> callTimes)
    {
        static string P(LoadResult r) => $"p50 {r.P50:F1}, p99 {r.P99:F1} ms";
        report.Add(new("stage: 201 → applied by the projection host (invoice-totals, its applied signal), p50", s.Applied.P50, "ms", "", null, null,
            $"p99 {s.Applied.P99:F1} ms; {s.Applied.Operations:N0} of {visible.Operations:N0} commands" +
            (s.Applied.Operations < visible.Operations ? ": the others became visible before the signal reached the benchmark" : "")));
        report.Add(new("stage: applied → visible through the API's read-your-writes GET, p50", s.Shown.P50, "ms", "", null, null, $"p99 {s.Shown.P99:F1} ms"));
        report.Add(new("stage: the stream's lag after a write returned (probe), p50", s.StreamLag.P50, "ms", "", null, null, $"p99 {s.StreamLag.P99:F1} ms"));
        report.Add(new("stage: host batches of the DynamoDB read models, apply time p50", s.Apply.P50, "ms", "", null, null,
            $"p99 {s.Apply.P99:F1} ms; {s.Apply.Operations:N0} batches, {s.Records:F1} records each; GetRecords with records {P(s.GetRecords)}; batching window {P(s.Window)}"));
        report.Add(new("stage: the host's wait for its next read, p50 (201 → applied less stream lag, GetRecords and apply)", s.WaitP50, "ms", "", null, null,
            "the part the batching pacing chooses; the rest of 201 → applied is DynamoDB Local's"));
        var floorVerdict = s.FloorP50 > 50
            ? "above the 50 ms target: at this run's speed no host reaches it, even one that reads every record the moment it appears"
            : "within the 50 ms target";
        report.Add(new("command → visible p50 vs its floor without batching (command + stream lag + GetRecords + apply + GET, medians of this run)", visible.P50, "ms",
            "floor", s.FloorP50, null, floorVerdict));
        report.Note("Call times in the measured window (as the app sees them, request sent → response read), p50 / p99 ms: " + string.Join(", ", callTimes
            .Where(kv => kv.Value.Length >= 10)
            .OrderByDescending(kv => kv.Value.Length)
            .Select(kv => { var r = Of(kv.Value); return $"{kv.Key} {r.P50:F1} / {r.P99:F1} ({kv.Value.Length:N0} calls)"; })) + ".");
    }

    /// <summary>The projection host's batches of the DynamoDB read models while a run lasts, from its own metrics.</summary>
    private sealed class HostBatches
    {
        public ConcurrentBag<double> Durations { get; } = [];
        public ConcurrentBag<double> Windows { get; } = [];
        public ConcurrentBag<long> Records { get; } = [];

        public async Task<T> RecordWhileAsync<T>(Func<Task<T>> run)
        {
            static bool OfGroup(IReadOnlyDictionary<string, object?> tags) =>
                tags.GetValueOrDefault("subscription") as string == LiveReadModelGroup.SubscriptionName;
            using var durations = new InstrumentTap<double>(StreamsMetrics.MeterName, "eventledger.streams.batch_duration", (v, tags) => { if (OfGroup(tags)) Durations.Add(v); });
            using var windows = new InstrumentTap<double>(StreamsMetrics.MeterName, "eventledger.streams.batching_window", (v, tags) => { if (OfGroup(tags)) Windows.Add(v); });
            using var records = new InstrumentTap<long>(StreamsMetrics.MeterName, "eventledger.streams.batch_records", (v, tags) => { if (OfGroup(tags)) Records.Add(v); });
            return await run();
        }
    }

    private sealed record Measured(
        ConcurrentBag<double> Visible, ConcurrentBag<double> Command, ConcurrentBag<double> AfterAck, ConcurrentBag<double> Applied, ConcurrentBag<double> Shown,
        int Errors, IReadOnlyDictionary<string, int> ErrorKinds)
    {
        public string DescribeErrors() => Errors == 0
            ? "0"
            : $"{Errors} ({string.Join(", ", ErrorKinds.OrderByDescending(k => k.Value).Select(k => $"{k.Key}: {k.Value}"))})";
    }

    private static async Task<Measured> RunLoadAsync(HttpClient http, AppliedVersionSignal signal, int rate, int seconds, string run, CancellationToken ct)
    {
        var total = rate * seconds;
        var visible = new ConcurrentBag<double>();
        var command = new ConcurrentBag<double>();
        var afterAck = new ConcurrentBag<double>();
        var applied = new ConcurrentBag<double>();
        var shown = new ConcurrentBag<double>();
        var errors = 0;
        var errorKinds = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var tasks = new List<Task>(total);
        var clock = Stopwatch.StartNew();
        using (Progress.Every(() => $"{run}: sent {tasks.Count:N0}/{total:N0}, visible {visible.Count:N0}, p50 so far {(visible.IsEmpty ? 0 : visible.Order().ElementAt(visible.Count / 2)):F1} ms"))
        {
            for (var i = 0; i < total; i++)
            {
                var due = TimeSpan.FromSeconds(i / (double)rate);
                var wait = due - clock.Elapsed;
                if (wait > TimeSpan.FromMilliseconds(1))
                {
                    await Task.Delay(wait, ct);
                }

                var index = i;
                tasks.Add(Task.Run(async () =>
                {
                    try
                    {
                        // The warm-up and the measured run use the same 1,000 invoices: the warm-up creates them (each one's
                        // first command also reads its decision state), and the run measures steady appends to invoices that exist.
                        var invoice = $"latency-{index % 1000}";
                        using var response = await http.PostAsJsonAsync($"/invoices/{invoice}/transactions",
                            new { transactionId = $"{run}-t{index}", amount = index % 1000, currency = "USD", country = "USA", invoiceDate = "2026-01-05" }, ct);
                        if (!response.IsSuccessStatusCode)
                        {
                            var body = await response.Content.ReadAsStringAsync(ct);
                            throw new HttpRequestException($"POST {(int)response.StatusCode}: {body[..Math.Min(300, body.Length)]}", null, response.StatusCode);
                        }

                        var created = await response.Content.ReadFromJsonAsync<Created>(ct);
                        var acked = clock.Elapsed;
                        command.Add((acked - due).TotalMilliseconds);
                        // When the host applies it to invoice-totals (the signal the GET below is woken by; at once if already applied).
                        using var waiter = signal.Register(InvoiceTotalsProjection.ProjectionName, 1, invoice, created!.Version);
                        var appliedAt = waiter.Applied.ContinueWith(_ => clock.Elapsed, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                        while (true)
                        {
                            // The API's read-your-writes wait: one request that returns once the row has the version
                            // (the server re-reads after 10, 15, 22, … ms). Polling from here every few ms at 100 commands/s
                            // floods DynamoDB Local's single thread and measures the flood instead.
                            using var read = await http.GetAsync($"/invoices/{invoice}?minVersion={created!.Version}&waitMs=5000", ct);
                            var row = read.IsSuccessStatusCode ? await read.Content.ReadFromJsonAsync<Totals>(ct) : null;
                            if (row is not null && row.Version >= created!.Version)
                            {
                                var seen = clock.Elapsed;
                                visible.Add((seen - due).TotalMilliseconds);
                                afterAck.Add((seen - acked).TotalMilliseconds);
                                if (appliedAt.IsCompleted)
                                {
                                    applied.Add((appliedAt.Result - acked).TotalMilliseconds);
                                    shown.Add((seen - appliedAt.Result).TotalMilliseconds);
                                }

                                return;
                            }

                            if ((clock.Elapsed - due).TotalSeconds > 30)
                            {
                                throw new TimeoutException($"{invoice} version {created!.Version} not visible after 30 s");
                            }

                        }
                    }
                    catch (Exception ex) when (!ct.IsCancellationRequested)
                    {
                        Interlocked.Increment(ref errors);
                        var kind = ex switch
                        {
                            HttpRequestException { StatusCode: { } status } => $"POST {(int)status}",
                            TimeoutException => "not visible within 30 s",
                            TaskCanceledException => "HTTP client timeout",
                            _ => ex.GetType().Name,
                        };
                        if (errorKinds.AddOrUpdate(kind, 1, (_, n) => n + 1) == 1)
                        {
                            Console.WriteLine($"  first error of kind '{kind}': {ex.Message}");
                        }
                    }
                }, ct));
            }

            await Task.WhenAll(tasks);
        }

        Progress.Done();
        return new Measured(visible, command, afterAck, applied, shown, errors, errorKinds);
    }

    private sealed record Created(string InvoiceNumber, long Version);

    private sealed record Totals(string InvoiceNumber, long Version);

    private static async Task CreateProbeTableAsync(IAmazonDynamoDB db, string table, CancellationToken ct)
    {
        await db.CreateTableAsync(new CreateTableRequest
        {
            TableName = table,
            BillingMode = BillingMode.PAY_PER_REQUEST,
            AttributeDefinitions = [new("Id", ScalarAttributeType.S)],
            KeySchema = [new("Id", KeyType.HASH)],
            StreamSpecification = new StreamSpecification { StreamEnabled = true, StreamViewType = Amazon.DynamoDBv2.StreamViewType.NEW_IMAGE },
        }, ct);
    }

    /// <summary>One probe: PutItem sent → GetRecords returned the item, and PutItem returned → GetRecords returned it.</summary>
    private sealed record Propagation(double Total, double AfterWrite);

    /// <summary>Every 100 ms: PutItem, then GetRecords on an open iterator every 1 ms until the item shows up.</summary>
    private static async Task<List<Propagation>> ProbeAsync(IAmazonDynamoDB db, IDynamoDbStreams streams, string table, CancellationToken ct)
    {
        var delays = new List<Propagation>();
        var arn = (await db.DescribeTableAsync(table, ct)).Table.LatestStreamArn;
        var shard = (await streams.DescribeStreamAsync(new DescribeStreamRequest { StreamArn = arn }, ct)).StreamDescription.Shards[0];
        // DynamoDB Local answers "trimmed" to an iterator taken on a still-empty shard: write one item first.
        await db.PutItemAsync(new PutItemRequest { TableName = table, Item = new() { ["Id"] = new AttributeValue { S = "start" } } }, ct);
        async Task<string> AcquireAsync() => (await streams.GetShardIteratorAsync(new GetShardIteratorRequest
        {
            StreamArn = arn,
            ShardId = shard.ShardId,
            ShardIteratorType = ShardIteratorType.TRIM_HORIZON,
        }, ct)).ShardIterator!;
        var iterator = await AcquireAsync();
        try
        {
            for (var i = 0; !ct.IsCancellationRequested; i++)
            {
                var id = $"probe-{i}";
                var clock = Stopwatch.StartNew();
                await db.PutItemAsync(new PutItemRequest { TableName = table, Item = new() { ["Id"] = new AttributeValue { S = id } } }, ct);
                var written = clock.Elapsed;
                var found = false;
                while (!found && clock.Elapsed < TimeSpan.FromSeconds(10))
                {
                    GetRecordsResponse page;
                    try
                    {
                        page = await streams.GetRecordsAsync(new GetRecordsRequest { ShardIterator = iterator, Limit = 1000 }, ct);
                    }
                    catch (TrimmedDataAccessException)
                    {
                        iterator = await AcquireAsync();
                        continue;
                    }
                    catch (DynamoDbStreamsException) when (!ct.IsCancellationRequested)
                    {
                        // DynamoDB Local dropped the connection under load: the probe is a measurement, not the subject.
                        await Task.Delay(10, ct);
                        continue;
                    }

                    iterator = page.NextShardIterator ?? iterator;
                    found = page.Records.Any(r => r.Dynamodb.Keys.TryGetValue("Id", out var key) && key.S == id);
                    if (!found)
                    {
                        await Task.Delay(1, ct);
                    }
                }

                if (found)
                {
                    var seen = clock.Elapsed;
                    delays.Add(new Propagation(seen.TotalMilliseconds, (seen - written).TotalMilliseconds));
                }

                var rest = TimeSpan.FromMilliseconds(100) - clock.Elapsed;
                if (rest > TimeSpan.Zero)
                {
                    await Task.Delay(rest, ct);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }

        return delays;
    }
}
