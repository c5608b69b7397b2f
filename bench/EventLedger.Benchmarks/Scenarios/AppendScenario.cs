using System.Net.Http.Json;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.Application.Invoices;
using EventLedger.Api.Security;
using EventLedger.Benchmarks.Infrastructure;
using EventLedger.Server;
using EventLedger.Domain.Invoices;
using EventLedger.EmbeddedStack;
using EventLedger.EventStore;
using EventLedger.EventStore.Append;
using EventLedger.EventStore.Events;
using EventLedger.EventStore.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EventLedger.Benchmarks.Scenarios;

/// <summary>
/// Appends per second through (a) the whole command path (HTTP → Mediator → executor → event store), (b) the executor
/// alone (cached invoice head, no HTTP or Mediator), (c) the event store with a state read before every append (the
/// path a cold cache takes), next to (d) raw <c>TransactWriteItems</c> of exactly the same items (from
/// <see cref="InvoiceEventStore.Prepare"/>) at the same concurrency; and the 1-item raw ceiling for context.
/// Each worker appends to its own invoice so the figures measure throughput, not contention.
/// </summary>
public static class AppendScenario
{
    private static readonly DateOnly Day = new(2016, 6, 6);
    private const int Rounds = 6;

    private static LoadResult Combine(IReadOnlyList<LoadResult> runs) => new(
        runs.Sum(r => r.Operations),
        TimeSpan.FromTicks(runs.Sum(r => r.Elapsed.Ticks)),
        runs.SelectMany(r => r.LatenciesMs).ToArray(),
        runs.Sum(r => r.Errors));

    public static async Task RunAsync(LocalStack stack, BenchOptions options, CancellationToken ct)
    {
        var report = new BenchReport("append", "Appends: command path vs event store vs raw TransactWriteItems");
        var settings = EventLedgerSettings.FromStack(stack, $"bench{DateTime.UtcNow:HHmmss}-");
        await using var app = await EventLedgerWebApp.BuildAsync(settings, port: 0, LogLevel.Warning, ct);
        await app.StartAsync(ct);
        var db = app.Services.GetRequiredService<IAmazonDynamoDB>();
        var store = app.Services.GetRequiredService<InvoiceEventStore>();
        var executor = new RecordTransactionHandler(app.Services.GetRequiredService<InvoiceAppender>());
        using var http = new HttpClient { BaseAddress = app.BaseAddress() };
        http.DefaultRequestHeaders.Authorization = app.Services.LocalBearer("bench", LedgerScopes.All, TimeSpan.FromHours(12));
        var concurrency = options.Concurrency;
        var n = options.Operations;

        Console.WriteLine($"Append scenario: {n:N0} operations per figure at concurrency {concurrency}; warming up DynamoDB Local and the JIT…");
        await RawAsync("warm-up", store, db, n / 2, concurrency, "warm", ct);
        await StoreAsync("warm-up", store, n / 4, concurrency, "warm-store", ct);
        await ExecutorAsync("warm-up", executor, n / 4, concurrency, "warm-exec", ct);
        await HttpAsync("warm-up", http, n / 4, concurrency, "warm-http", ct);

        // The machine is shared and its load drifts over minutes, so the figures run in short rounds, each round in a
        // rotated order (raw, command path, executor, store; then command path, executor, store, raw; …): every figure
        // sees the same conditions, and a figure is its operations over its summed time.
        var figures = new Func<int, int, Task<LoadResult>>[]
        {
            (round, ops) => RawAsync($"raw TransactWriteItems (round {round})", store, db, ops, concurrency, $"raw{round}", ct),
            (round, ops) => HttpAsync($"command path (round {round})", http, ops, concurrency, $"http{round}", ct),
            (round, ops) => ExecutorAsync($"executor (round {round})", executor, ops, concurrency, $"exec{round}", ct),
            (round, ops) => StoreAsync($"event store with a read (round {round})", store, ops, concurrency, $"store{round}", ct),
        };
        var results = figures.Select(_ => new List<LoadResult>()).ToArray();
        for (var round = 0; round < Rounds; round++)
        {
            var ops = n / Rounds + (round < n % Rounds ? 1 : 0);
            for (var k = 0; k < figures.Length; k++)
            {
                var figure = (round + k) % figures.Length;
                results[figure].Add(await figures[figure](round + 1, ops));
            }
        }

        var (rawRuns, commandPath, executorOnly, storeOnly) = (results[0], Combine(results[1]), Combine(results[2]), Combine(results[3]));
        var rawAll = Combine(rawRuns);
        var raw = rawAll.PerSecond;
        var oneItem = await OneItemAsync(db, store.Tables, n, concurrency, ct);

        report.Add(new("appends through the whole command path (HTTP → Mediator → executor → store, cached head)", commandPath.PerSecond, "commands/s",
            "raw TransactWriteItems, same 4 items", raw, 0.8, $"p50 {commandPath.P50:F1} ms, p99 {commandPath.P99:F1} ms"));
        report.Add(new("appends through the executor alone (cached head: TransactWriteItems only)", executorOnly.PerSecond, "appends/s",
            "raw TransactWriteItems, same 4 items", raw, null, $"p50 {executorOnly.P50:F1} ms, p99 {executorOnly.P99:F1} ms"));
        report.Add(new("appends through the event store with a state read each time (BatchGetItem + TransactWriteItems; a cold cache)", storeOnly.PerSecond, "appends/s",
            "raw TransactWriteItems, same 4 items", raw, null, $"p50 {storeOnly.P50:F1} ms, p99 {storeOnly.P99:F1} ms"));
        report.Add(new("raw TransactWriteItems of the same 4 items", raw, "tx/s", $"{Rounds} rounds", null, null,
            $"rounds {rawRuns.Min(r => r.PerSecond):N0}–{rawRuns.Max(r => r.PerSecond):N0}/s; p50 {rawAll.P50:F1} ms, p99 {rawAll.P99:F1} ms"));
        report.Add(new("raw TransactWriteItems of 1 item (context)", oneItem.PerSecond, "tx/s", "brief: ~650 tx/s", 650, null,
            $"p50 {oneItem.P50:F1} ms, p99 {oneItem.P99:F1} ms"));
        var perRound = string.Join("; ", Enumerable.Range(0, Rounds).Select(r =>
            $"{results[1][r].PerSecond / rawRuns[r].PerSecond:F2}"));
        report.Note($"Each figure ran in {Rounds} rounds of about {n / Rounds:N0} operations, the order rotated every round. Command path / raw per round: {perRound}.");
        report.Note($"{n:N0} operations per figure, {concurrency} concurrent workers, each on its own invoice; a RecordTransaction with an Idempotency-Key writes 4 items: the event, the invoice head, the transaction's state and the command record.");
        report.Note("The command path and the executor decide on the invoice head this process cached after its previous append (ADR 0006), so a RecordTransaction is one TransactWriteItems; the HEAD condition and the transaction id's attribute_not_exists check that guess. The store figure reads HEAD, the transaction and the command record first, as every command did before the cache and as the first command on an invoice still does.");
        report.Note($"Errors: command path {commandPath.Errors}, executor {executorOnly.Errors}, store {storeOnly.Errors}, raw {rawAll.Errors}. {CatchupScenario.Load()}");
        report.WriteTo(options.ReportPath);
    }

    private static Task<LoadResult> RawAsync(string label, InvoiceEventStore store, IAmazonDynamoDB db, int n, int concurrency, string run, CancellationToken ct)
    {
        var heads = new InvoiceHead[concurrency];
        Array.Fill(heads, InvoiceHead.Empty);
        return LoadRunner.RunAsync(label, n, concurrency, async (w, i) =>
        {
            var invoice = $"{run}-{w}";
            var command = new RecordTransaction(invoice, $"t{i}", i % 1000, "USD", "USA", Day, null);
            var context = new DecisionContext(invoice, heads[w], null);
            var events = InvoiceDecider.Decide(context, command);
            var prepared = store.Prepare(new AppendRequest(context, events, EventMetadata.New($"{run}-{i}"), $"{run}-{i}", "fp"));
            await db.TransactWriteItemsAsync(new TransactWriteItemsRequest { TransactItems = prepared.Items }, ct);
            heads[w] = prepared.Head;
        }, ct);
    }

    private static Task<LoadResult> StoreAsync(string label, InvoiceEventStore store, int n, int concurrency, string run, CancellationToken ct) =>
        LoadRunner.RunAsync(label, n, concurrency, async (w, i) =>
        {
            var invoice = $"{run}-{w}";
            var loaded = await store.LoadAsync(invoice, $"t{i}", $"{run}-{i}", ct);
            var events = InvoiceDecider.Decide(loaded.Context, new RecordTransaction(invoice, $"t{i}", i % 1000, "USD", "USA", Day, null));
            await store.AppendAsync(new AppendRequest(loaded.Context, events, EventMetadata.New($"{run}-{i}"), $"{run}-{i}", "fp"), ct);
        }, ct);

    private static Task<LoadResult> ExecutorAsync(string label, RecordTransactionHandler executor, int n, int concurrency, string run, CancellationToken ct) =>
        LoadRunner.RunAsync(label, n, concurrency, async (w, i) =>
        {
            var command = new RecordTransaction($"{run}-{w}", $"t{i}", i % 1000, "USD", "USA", Day, null) { Options = new CommandOptions(IdempotencyKey: $"{run}-{i}") };
            await executor.Handle(command, ct);
        }, ct);

    private static Task<LoadResult> HttpAsync(string label, HttpClient http, int n, int concurrency, string run, CancellationToken ct) =>
        LoadRunner.RunAsync(label, n, concurrency, async (w, i) =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/invoices/{run}-{w}/transactions")
            {
                Content = JsonContent.Create(new { transactionId = $"t{i}", amount = i % 1000, currency = "USD", country = "USA", invoiceDate = "2016-06-06" }),
            };
            request.Headers.Add("Idempotency-Key", $"{run}-{i}");
            using var response = await http.SendAsync(request, ct);
            response.EnsureSuccessStatusCode();
        }, ct);

    private static Task<LoadResult> OneItemAsync(IAmazonDynamoDB db, EventStoreTables tables, int n, int concurrency, CancellationToken ct) =>
        LoadRunner.RunAsync("raw TransactWriteItems, 1 item", n, concurrency, (w, i) =>
            db.TransactWriteItemsAsync(new TransactWriteItemsRequest
            {
                TransactItems =
                [
                    new TransactWriteItem
                    {
                        Put = new Put
                        {
                            TableName = tables.Events,
                            Item = EventItem.ToItem(new StoredEvent($"one-{w}", i + 1, Guid.NewGuid(), "TransactionRecorded", 1,
                                new TransactionRecorded($"t{i}", 1m, "USD", "USA", Day, null, null), EventMetadata.New(), DateTimeOffset.UtcNow)),
                            ConditionExpression = "attribute_not_exists(StreamId)",
                        },
                    },
                ],
            }, ct), ct);
}
