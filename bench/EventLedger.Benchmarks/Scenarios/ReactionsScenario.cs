using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using Amazon.SQS.Model;
using EventLedger.Api.Security;
using EventLedger.Server;
using EventLedger.Benchmarks.Infrastructure;
using EventLedger.Cli.Hosting;
using EventLedger.Domain.Invoices;
using EventLedger.EmbeddedStack;
using EventLedger.EventStore;
using EventLedger.EventStore.Append;
using EventLedger.EventStore.Events;
using EventLedger.EventStore.Tables;
using EventLedger.Projections.Reactions.PaymentRequests;
using EventLedger.Reactions;
using EventLedger.Reactions.Configuration;
using EventLedger.Reactions.Hosting;
using EventLedger.Reactions.Sinks;
using EventLedger.Reactions.Sinks.Sqs;
using EventLedger.Reactions.Sinks.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EventLedger.Benchmarks.Scenarios;

/// <summary>
/// Reactions (brief §10, issue item 7): (1) payment requests delivered per second from a backlog of <c>events</c> recorded
/// transactions, to a local webhook receiver and to an SQS FIFO queue on the emulator, each beside the sink's raw
/// throughput in the same run (the same bodies POSTed, or sent with SendMessageBatch, at the same concurrency, without
/// EventLedger), counted from the reaction's first acknowledgement to its last; (2) command → zero-amount alert received
/// p50/p99 at <c>rate</c> commands/s, beside command → read model visible measured on the same commands
/// (<see cref="ReactionsLatency"/>). Each phase runs on a DynamoDB Local of its own.
/// </summary>
public static class ReactionsScenario
{
    private const int Concurrency = 16;

    public static async Task RunAsync(LocalStack stack, BenchOptions options, int events, int rate, int seconds, CancellationToken ct)
    {
        var report = new BenchReport("reactions", "Reactions: deliveries per second and command → alert latency");
        await using var aws = await LocalStack.StartAsync(new EmbeddedStackOptions { NeedDynamoDb = false, NeedPostgres = false, NeedAwsEmulator = true, RepositoryRoot = RepositoryRootFinder.Find() }, null, ct);
        await using var receiver = await Receiver.StartAsync(ct);

        // (1a) Webhook: raw POSTs of the same bodies, then the reaction catching up on a backlog.
        var prefix = $"rxw{DateTime.UtcNow:HHmmss}-";
        var bodies = await SeedAsync(stack, prefix, events, ct);
        // The raw peers run twice and the second pass is timed: the first pays the JIT and opens the connections, which the
        // reaction's rate (first acknowledgement to last) does not include either.
        await RawWebhookAsync(receiver, bodies, ct);
        receiver.Reset();
        var raw = await RawWebhookAsync(receiver, bodies, ct);
        receiver.Reset();
        var webhook = await CatchUpAsync(stack, prefix, Webhook(receiver), () => Task.FromResult(receiver.Count >= events), ct);
        report.Add(new("payment requests delivered to a local webhook receiver", webhook.Rate, "messages/s",
            $"raw signed POSTs, {Concurrency} concurrent", events / raw.TotalSeconds, null, $"{events:N0} messages, MaxConcurrency {Concurrency}"));

        // (1b) SQS FIFO on the emulator: raw SendMessageBatch, then the reaction, on a DynamoDB Local of its own.
        await using (var sqsStack = await FreshDynamoDbAsync(stack, ct))
        {
            using var sqs = SqsSink.CreateClient(new AwsEndpoint(aws.AwsEndpoint, "us-east-1", new Amazon.Runtime.BasicAWSCredentials("local", "local")));
            await RawSqsAsync(sqs, await CreateQueueAsync(sqs, $"warm-{prefix}q.fifo", ct), bodies, ct);
            var rawQueue = await CreateQueueAsync(sqs, $"raw-{prefix}q.fifo", ct);
            var rawSqs = await RawSqsAsync(sqs, rawQueue, bodies, ct);
            var sqsPrefix = $"rxq{DateTime.UtcNow:HHmmss}-";
            await SeedAsync(sqsStack ?? stack, sqsPrefix, events, ct);
            var queue = await CreateQueueAsync(sqs, $"{sqsPrefix}q.fifo", ct);
            var delivered = await CatchUpAsync(sqsStack ?? stack, sqsPrefix, new Dictionary<string, string?>
            {
                ["Reactions:PaymentRequests:Sink"] = "sqs",
                ["Reactions:PaymentRequests:QueueUrl"] = queue,
                ["Reactions:PaymentRequests:ServiceUrl"] = aws.AwsEndpoint,
                ["Reactions:PaymentRequests:MaxConcurrency"] = Concurrency.ToString(CultureInfo.InvariantCulture),
            }, async () => await QueueDepthAsync(sqs, queue, ct) >= events, ct);
            report.Add(new("payment requests delivered to an SQS FIFO queue (emulator)", delivered.Rate, "messages/s",
                $"raw SendMessageBatch, {Concurrency} concurrent", events / rawSqs.TotalSeconds, null, $"{events:N0} messages, MaxConcurrency {Concurrency}"));
            report.Note($"Deliveries: {events:N0} recorded transactions appended first, then the app started with only payment-requests on; the rate counts from the " +
                $"reaction's first acknowledged message to its last (from the app's start, including the host's start-up: webhook {webhook.FromStart:N0}/s, SQS " +
                $"{delivered.FromStart:N0}/s). Raw peers (timed on a second pass, after an untimed one warms the JIT and the connections) make the same calls without EventLedger and without " +
                $"per-invoice order: the same CloudEvents bodies and headers (to SQS: the same attributes, group and deduplication ids, 10 a call), {Concurrency} concurrent calls.");
        }

        // (2) Latency at a fixed rate: command → alert received, beside command → read model visible.
        receiver.Reset();
        await using var latencyStack = await FreshDynamoDbAsync(stack, ct);
        var latency = await ReactionsLatency.RunAsync(latencyStack ?? stack, Webhook(receiver, "ZeroAmountAlerts"), receiver.ArrivalAsync, rate, seconds, ct);
        var (alert, visible) = (latency.Alert, latency.Visible);
        report.Add(new("command → zero-amount alert received, p50", alert.P50, "ms", "command → read model visible p50", visible.P50, null,
            $"target ≤ 2× the read model: {(alert.P50 <= 2 * visible.P50 ? "meets" : "misses")}"));
        report.Add(new("command → zero-amount alert received, p99", alert.P99, "ms", "command → read model visible p99", visible.P99, null,
            $"target ≤ 2× the read model: {(alert.P99 <= 2 * visible.P99 ? "meets" : "misses")}"));
        report.Note($"Latency: the app (API, projection host with the DynamoDB read models and zero-amount-alerts to the webhook receiver; no PostgreSQL consumers) " +
            $"on a DynamoDB Local of its own; once every subscription reads its shard, {latency.Warmup} s of warm-up, then {rate} commands/s for {seconds} s measured (open loop: " +
            $"each counted from its scheduled send), each a zero-amount transaction on {latency.Invoices:N0} invoices round robin, as in the latency scenario. For every command " +
            $"the alert (its arrival at the receiver, by webhook-id = event id) and the read model (GET /invoices/{{n}}?minVersion=v&waitMs=5000, asked again until the " +
            $"row has the version) are timed independently. Errors: {(latency.Errors == 0 ? "0" : $"{latency.Errors} ({latency.ErrorKinds})")}.");
        report.Note($"Alert path, per measured command: {latency.Stages}. Calls the app made per command (DynamoDB and Streams): {latency.Calls}. " + CatchupScenario.Load());
        report.WriteTo(options.ReportPath);
    }

    private static Dictionary<string, string?> Webhook(Receiver receiver, string section = "PaymentRequests") => new()
    {
        [$"Reactions:{section}:Sink"] = "webhook",
        [$"Reactions:{section}:Url"] = receiver.Url,
        [$"Reactions:{section}:Secret"] = receiver.Secret,
        [$"Reactions:{section}:MaxConcurrency"] = Concurrency.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Appends one TransactionRecorded per event over 500 invoices; returns the payment requests' CloudEvents bodies.</summary>
    private static async Task<List<Body>> SeedAsync(LocalStack stack, string prefix, int events, CancellationToken ct)
    {
        using var db = DynamoDbClients.Create(stack.DynamoDbEndpoint);
        var tables = new EventStoreTables(prefix);
        await EventStoreSchema.EnsureCreatedAsync(db, tables, ct);
        var store = new InvoiceEventStore(db, tables, TimeProvider.System, NullLogger<InvoiceEventStore>.Instance);
        await LoadRunner.RunAsync("seed", events, 8, async (_, i) =>
        {
            var loaded = await store.LoadAsync($"RX-{i % 500}", $"t{i}", null, ct);
            var decided = InvoiceDecider.Decide(loaded.Context, new RecordTransaction($"RX-{i % 500}", $"t{i}", i % 1000, "USD", "USA", new DateOnly(2026, 1, 5), null));
            await store.AppendAsync(new AppendRequest(loaded.Context, decided, EventMetadata.New(), null, null), ct);
        }, ct);
        var bodies = new List<Body>(events);
        await foreach (var page in store.ScanAllAsync(ct: ct))
        {
            foreach (var message in PaymentRequestsReaction.Declaration.MessagesOf(page))
            {
                bodies.Add(new Body(message.IdText, message.InvoiceNumber, message.Type, EventLedger.Projections.Reactions.CloudEventJson.Serialize(message, "urn:bench")));
            }
        }

        return bodies;
    }

    /// <summary>A payment request as the sink sends it: its id, invoice (FIFO group), CloudEvents type and body.</summary>
    private sealed record Body(string Id, string Invoice, string Type, byte[] Bytes);

    private sealed record DeliveryRate(double Rate, double FromStart);

    private static async Task<DeliveryRate> CatchUpAsync(LocalStack stack, string prefix, Dictionary<string, string?> configuration, Func<Task<bool>> done, CancellationToken ct)
    {
        var settings = EventLedgerSettings.FromStack(stack, prefix) with { PostgresConnectionString = null };
        using var acknowledged = new AcknowledgementClock(PaymentRequestsReaction.Name);
        var clock = Stopwatch.StartNew();
        await using var app = await EventLedgerWebApp.BuildAsync(settings, 0, LogLevel.Warning, ct, configureServices: services =>
        {
            foreach (var reaction in ReactionsConfiguration.Read(new ConfigurationBuilder().AddInMemoryCollection(configuration).Build()))
            {
                services.AddReaction(reaction);
            }

            services.AddSingleton(new EventLedger.ProjectionHost.Hosting.ProjectionHostOptions { TablePrefix = prefix, ReadModels = new HashSet<string> { PaymentRequestsReaction.Name } });
        });
        await app.StartAsync(ct);
        while (!await done())
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(10)) throw new TimeoutException("The reaction did not deliver the backlog within 10 minutes.");
            await Task.Delay(20, ct);
        }

        var elapsed = clock.Elapsed;
        await app.StopAsync(ct);
        var (count, first, last) = acknowledged.Read();
        return new DeliveryRate(count > 1 ? (count - 1) / Stopwatch.GetElapsedTime(first, last).TotalSeconds : double.NaN, count / elapsed.TotalSeconds);
    }

    /// <summary>
    /// Counts a reaction's acknowledged messages (the <c>eventledger.reactions.messages</c> counter, outcome "delivered") and
    /// notes when the first and the last were acknowledged, so a rate can leave out the host's start-up.
    /// </summary>
    private sealed class AcknowledgementClock : IDisposable
    {
        private readonly Lock _gate = new();
        private readonly InstrumentTap<long> _tap;
        private long _count;
        private long _first;
        private long _last;

        public AcknowledgementClock(string reaction)
        {
            _tap = new InstrumentTap<long>(ReactionMetrics.MeterName, "eventledger.reactions.messages", (value, tags) =>
            {
                if (tags.GetValueOrDefault("reaction") as string == reaction && tags.GetValueOrDefault("outcome") as string == "delivered")
                {
                    var now = Stopwatch.GetTimestamp();
                    lock (_gate)
                    {
                        _first = _count == 0 ? now : _first;
                        _last = now;
                        _count += value;
                    }
                }
            });
        }

        public (long Count, long First, long Last) Read()
        {
            lock (_gate)
            {
                return (_count, _first, _last);
            }
        }

        public void Dispose() => _tap.Dispose();
    }

    private static async Task<TimeSpan> RawWebhookAsync(Receiver receiver, List<Body> bodies, CancellationToken ct)
    {
        using var http = new HttpClient();
        var keys = new[] { WebhookSignature.TryParseSecret(receiver.Secret, out var key) ? key : [] };
        var result = await LoadRunner.RunAsync("raw webhook", bodies.Count, Concurrency, async (_, i) =>
        {
            var (id, _, _, body) = bodies[i];
            var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            using var request = new HttpRequestMessage(HttpMethod.Post, receiver.Url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(EventLedger.Projections.Reactions.CloudEventJson.ContentType);
            request.Headers.TryAddWithoutValidation(WebhookSignature.IdHeader, id);
            request.Headers.TryAddWithoutValidation(WebhookSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
            request.Headers.TryAddWithoutValidation(WebhookSignature.SignatureHeader, WebhookSignature.Sign(keys, id, timestamp, body));
            using var response = await http.SendAsync(request, ct);
            response.EnsureSuccessStatusCode();
        }, ct);
        return result.Elapsed;
    }

    private static async Task<TimeSpan> RawSqsAsync(Amazon.SQS.AmazonSQSClient sqs, string queue, List<Body> bodies, CancellationToken ct)
    {
        var batches = bodies.Chunk(10).ToList();
        var result = await LoadRunner.RunAsync("raw SQS", batches.Count, Concurrency, async (_, i) =>
        {
            var response = await sqs.SendMessageBatchAsync(new SendMessageBatchRequest
            {
                QueueUrl = queue,
                Entries = [.. batches[i].Select((m, n) => new SendMessageBatchRequestEntry
                {
                    Id = n.ToString(CultureInfo.InvariantCulture), MessageBody = Encoding.UTF8.GetString(m.Bytes), MessageGroupId = m.Invoice, MessageDeduplicationId = m.Id,
                    // The attributes the sink sends (SQS checksums them on both sides), so the peer makes the same requests.
                    MessageAttributes = new()
                    {
                        ["eventId"] = new() { DataType = "String", StringValue = m.Id },
                        ["eventType"] = new() { DataType = "String", StringValue = m.Type },
                        ["invoiceNumber"] = new() { DataType = "String", StringValue = m.Invoice },
                    },
                })],
            }, ct);
            if (response.Failed is { Count: > 0 }) throw new InvalidOperationException(response.Failed[0].Message);
        }, ct);
        return result.Elapsed;
    }

    /// <summary>A DynamoDB Local of its own for a phase, when the bench started the one it was given, so no phase runs beside
    /// another's tables and streams (as every scenario gets its own, see Program.cs); null: use the configured one.</summary>
    private static async Task<LocalStack?> FreshDynamoDbAsync(LocalStack stack, CancellationToken ct) =>
        stack.StartedComponents.Contains(LocalStack.DynamoDbLocal)
            ? await LocalStack.StartAsync(new EmbeddedStackOptions { NeedPostgres = false, RepositoryRoot = RepositoryRootFinder.Find() }, null, ct)
            : null;

    private static async Task<string> CreateQueueAsync(Amazon.SQS.AmazonSQSClient sqs, string name, CancellationToken ct) =>
        (await sqs.CreateQueueAsync(new CreateQueueRequest { QueueName = name, Attributes = new() { ["FifoQueue"] = "true" } }, ct)).QueueUrl;

    private static async Task<int> QueueDepthAsync(Amazon.SQS.AmazonSQSClient sqs, string queue, CancellationToken ct) =>
        (await sqs.GetQueueAttributesAsync(new GetQueueAttributesRequest { QueueUrl = queue, AttributeNames = ["ApproximateNumberOfMessages"] }, ct)).ApproximateNumberOfMessages;

    /// <summary>A minimal webhook receiver: 204 for every POST, the arrival (a <see cref="Stopwatch"/> timestamp) per webhook-id.</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private Receiver(WebApplication app) => _app = app;

        public string Secret { get; } = WebhookSignature.NewSecret();
        public string Url => _app.Urls.First() + "/hook";
        public ConcurrentDictionary<string, long> Arrivals { get; } = new(StringComparer.Ordinal);
        public int Count => Arrivals.Count;

        // One completion per awaited message id, so thousands of waiting commands cost no CPU (a 1 ms polling loop per
        // command saturated this 2-core machine and measured itself).
        private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _waiters = new(StringComparer.Ordinal);

        public Task<long> ArrivalAsync(string id) => _waiters
            .GetOrAdd(id, static (key, arrivals) => arrivals.TryGetValue(key, out var at)
                ? CompletedAt(at)
                : new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously), Arrivals).Task;

        private void Arrived(string id, long at)
        {
            if (Arrivals.TryAdd(id, at))
            {
                _waiters.GetOrAdd(id, static _ => new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult(at);
            }
        }

        private static TaskCompletionSource<long> CompletedAt(long at)
        {
            var done = new TaskCompletionSource<long>();
            done.SetResult(at);
            return done;
        }

        public static async Task<Receiver> StartAsync(CancellationToken ct)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
            builder.Logging.ClearProviders();
            var receiver = new Receiver(builder.Build());
            receiver._app.MapPost("/hook", (HttpRequest request) =>
            {
                receiver.Arrived(request.Headers[WebhookSignature.IdHeader].ToString(), Stopwatch.GetTimestamp());
                return Results.NoContent();
            });
            await receiver._app.StartAsync(ct);
            return receiver;
        }

        public void Reset()
        {
            Arrivals.Clear();
            _waiters.Clear();
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
