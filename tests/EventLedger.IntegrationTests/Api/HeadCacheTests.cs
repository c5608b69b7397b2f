using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Amazon.DynamoDBv2;
using Amazon.Runtime;
using EventLedger.Application.Behaviors;
using EventLedger.Server;
using EventLedger.Domain.Invoices;
using EventLedger.EventStore;
using EventLedger.IntegrationTests.Fixtures;

namespace EventLedger.IntegrationTests.Api;

/// <summary>
/// The per-process cache of invoice heads, through the real HTTP API on DynamoDB Local. Two apps on the same tables
/// stand for two processes: each caches what it saw, so each can hold a stale head that only the conditional write
/// can expose. Every answer must be what a fresh read would have given.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class HeadCacheTests(StackFixture stack) : IAsyncLifetime
{
    private TestApp _a = null!;
    private TestApp _b = null!;

    public async Task InitializeAsync()
    {
        var prefix = StackFixture.NewPrefix("cache");
        _a = await TestApp.StartAsync(stack, "cache-a", roles: EventLedgerRoles.Api, tablePrefix: prefix);
        _b = await TestApp.StartAsync(stack, "cache-b", roles: EventLedgerRoles.Api, tablePrefix: prefix);
    }

    public async Task DisposeAsync()
    {
        await _a.DisposeAsync();
        await _b.DisposeAsync();
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string RecordBody(string id, string amount = "100", string country = "USA") =>
        $$"""{"transactionId":"{{id}}","amount":{{amount}},"currency":"USD","country":"{{country}}","invoiceDate":"2016-06-06"}""";

    private static Task<HttpResponseMessage> Record(TestApp app, string invoice, string body, string? idempotencyKey = null, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/invoices/{invoice}/transactions") { Content = Json(body) };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return app.Http.SendAsync(request);
    }

    private static async Task<JsonElement> Body(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();

    private async Task<List<IInvoiceEvent>> Events(string invoice) =>
        await _a.Get<InvoiceEventStore>().ReadStreamAsync(invoice).Select(e => e.Data).ToListAsync();

    [Fact]
    public async Task A_process_with_a_stale_head_still_records_with_the_current_verifier()
    {
        Assert.Equal(HttpStatusCode.OK, (await _a.Http.PutAsync("/invoices/C-1/countries/DEU/verifier", Json("""{"verifier":"alice"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Record(_a, "C-1", RecordBody("t1", country: "DEU"))).StatusCode);

        // B removes the verifier; A still caches the head with alice.
        Assert.Equal(HttpStatusCode.OK, (await _b.Http.DeleteAsync("/invoices/C-1/countries/DEU/verifier")).StatusCode);

        var response = await Record(_a, "C-1", RecordBody("t2", country: "DEU"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal(4, (await Body(response)).GetProperty("version").GetInt64());

        var events = await Events("C-1");
        Assert.Equal("alice", ((TransactionRecorded)events[1]).Verifier);
        Assert.Null(((TransactionRecorded)events[3]).Verifier);
    }

    [Fact]
    public async Task A_rejection_on_a_stale_head_is_checked_on_the_real_state()
    {
        Assert.Equal(HttpStatusCode.Created, (await Record(_a, "C-2", RecordBody("t1"))).StatusCode);

        // B assigns a verifier that A's cached head does not know; on its cache alone, A would answer 404 no-verifier.
        Assert.Equal(HttpStatusCode.OK, (await _b.Http.PutAsync("/invoices/C-2/countries/USA/verifier", Json("""{"verifier":"bob"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _a.Http.DeleteAsync("/invoices/C-2/countries/USA/verifier")).StatusCode);

        var events = await Events("C-2");
        Assert.Equal(3, events.Count);
        Assert.Equal(new VerifierUnassigned("USA", "bob"), events[2]);
    }

    [Fact]
    public async Task If_match_on_a_stale_head_is_412_as_before_and_the_current_version_succeeds()
    {
        Assert.Equal(HttpStatusCode.Created, (await Record(_a, "C-3", RecordBody("t1"))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await Record(_b, "C-3", RecordBody("t2"))).StatusCode);

        // A's cache says version 1, so If-Match "1" passes its own check; the invoice is at 2.
        var stale = await Record(_a, "C-3", RecordBody("t3"), ifMatch: "\"1\"");
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        Assert.Equal("version-mismatch", (await Body(stale)).GetProperty("code").GetString());

        Assert.Equal(HttpStatusCode.Created, (await Record(_b, "C-3", RecordBody("t3"))).StatusCode);
        var current = await Record(_a, "C-3", RecordBody("t4"), ifMatch: "\"3\"");
        Assert.Equal(HttpStatusCode.Created, current.StatusCode);
        Assert.Equal("\"4\"", current.Headers.ETag!.Tag);
        Assert.Equal(4, (await Events("C-3")).Count);
    }

    [Fact]
    public async Task A_duplicate_transaction_id_is_caught_without_reading_and_gets_the_same_409_as_a_cold_process()
    {
        Assert.Equal(HttpStatusCode.Created, (await Record(_a, "C-4", RecordBody("t1"))).StatusCode);

        using var reads = new ReadCounter(_a.Get<IAmazonDynamoDB>());
        var cached = await Record(_a, "C-4", RecordBody("t1", amount: "5"));
        Assert.Equal(0, reads.Count);

        // B has never seen C-4, so it reads the state and decides on it: the answer before the cache existed.
        using var coldReads = new ReadCounter(_b.Get<IAmazonDynamoDB>());
        var cold = await Record(_b, "C-4", RecordBody("t1", amount: "5"));
        Assert.Equal(1, coldReads.Count);
        Assert.Equal(HttpStatusCode.Conflict, cold.StatusCode);
        Assert.Equal(cold.StatusCode, cached.StatusCode);
        var (cachedBody, coldBody) = (await Body(cached), await Body(cold));
        foreach (var field in new[] { "code", "title", "detail" })
        {
            Assert.Equal(coldBody.GetProperty(field).GetString(), cachedBody.GetProperty(field).GetString());
        }

        Assert.Equal("transaction-exists", cachedBody.GetProperty("code").GetString());
        Assert.Single(await Events("C-4"));
    }

    [Fact]
    public async Task A_recorded_transaction_on_a_cached_head_reads_nothing_and_counts_a_hit()
    {
        using var hits = new HitCounter();
        Assert.Equal(HttpStatusCode.Created, (await Record(_a, "C-5", RecordBody("t1"))).StatusCode);
        Assert.Equal(0, hits.Hits);

        using var reads = new ReadCounter(_a.Get<IAmazonDynamoDB>());
        var second = await Record(_a, "C-5", RecordBody("t2"), idempotencyKey: "c5-t2");
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal(2, (await Body(second)).GetProperty("version").GetInt64());
        Assert.Equal(0, reads.Count);
        Assert.Equal(1, hits.Hits);

        var metrics = await _a.Http.GetStringAsync("/metrics");
        Assert.Contains("eventledger_head_cache_lookups", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Idempotency_keys_replay_unchanged_on_a_cached_head_and_across_processes()
    {
        var first = await Record(_a, "C-6", RecordBody("t1"), idempotencyKey: "c6-k1");
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var eventId = (await Body(first)).GetProperty("eventId").GetString();

        foreach (var app in new[] { _a, _b, _a })
        {
            var again = await Record(app, "C-6", RecordBody("t1"), idempotencyKey: "c6-k1");
            Assert.Equal(HttpStatusCode.Created, again.StatusCode);
            Assert.Equal("true", again.Headers.GetValues("Idempotent-Replayed").Single());
            var body = await Body(again);
            Assert.Equal(eventId, body.GetProperty("eventId").GetString());
            Assert.Equal(1, body.GetProperty("version").GetInt64());
        }

        // The key reused for another transaction: decided fine on the cached head, refused by the command record.
        var reused = await Record(_a, "C-6", RecordBody("t2"), idempotencyKey: "c6-k1");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, reused.StatusCode);
        Assert.Single(await Events("C-6"));
    }

    [Fact]
    public async Task Two_processes_racing_on_one_invoice_land_every_command_once_without_gaps()
    {
        var responses = await Task.WhenAll(Enumerable.Range(1, 24).Select(i => Record(i % 2 == 0 ? _a : _b, "C-7", RecordBody($"r{i}"))));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        var versions = await Task.WhenAll(responses.Select(async r => (await Body(r)).GetProperty("version").GetInt64()));
        Assert.Equal(Enumerable.Range(1, 24).Select(v => (long)v), versions.Order());

        // Now both caches may be stale; a duplicate from either is still a 409 and nothing is written.
        foreach (var app in new[] { _a, _b })
        {
            var duplicate = await Record(app, "C-7", RecordBody("r1"));
            Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
            Assert.Equal("transaction-exists", (await Body(duplicate)).GetProperty("code").GetString());
        }

        Assert.Equal(24, (await Events("C-7")).Count);
    }

    /// <summary>Counts the read calls (BatchGetItem, GetItem, Query) one app's DynamoDB client sends.</summary>
    private sealed class ReadCounter : IDisposable
    {
        private readonly AmazonServiceClient _client;
        private int _count;

        public ReadCounter(IAmazonDynamoDB client)
        {
            _client = (AmazonServiceClient)client;
            _client.BeforeRequestEvent += OnRequest;
        }

        public int Count => Volatile.Read(ref _count);

        private void OnRequest(object sender, RequestEventArgs e)
        {
            if (e is WebServiceRequestEventArgs { Request: var request }
                && request is Amazon.DynamoDBv2.Model.BatchGetItemRequest or Amazon.DynamoDBv2.Model.GetItemRequest or Amazon.DynamoDBv2.Model.QueryRequest)
            {
                Interlocked.Increment(ref _count);
            }
        }

        public void Dispose() => _client.BeforeRequestEvent -= OnRequest;
    }

    /// <summary>Listens to the head cache's hit counter (meter <c>EventLedger.Commands</c>).</summary>
    private sealed class HitCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentQueue<string> _results = new();

        public HitCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == CommandMetrics.MeterName && instrument.Name == "eventledger.head_cache.lookups")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "result") _results.Enqueue((string)tag.Value!);
                }
            });
            _listener.Start();
        }

        public int Hits => _results.Count(r => r == "hit");

        public void Dispose() => _listener.Dispose();
    }
}
