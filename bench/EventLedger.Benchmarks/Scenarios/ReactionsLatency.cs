using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using EventLedger.Api.Security;
using EventLedger.Benchmarks.Infrastructure;
using EventLedger.EmbeddedStack;
using EventLedger.EventStore.Events;
using EventLedger.ProjectionHost.Hosting;
using EventLedger.Projections.Contracts;
using EventLedger.Reactions.Configuration;
using EventLedger.Reactions.Hosting;
using EventLedger.Server;
using EventLedger.Streams.Client;
using EventLedger.Streams.Client.Model;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EventLedger.Benchmarks.Scenarios;

/// <summary>
/// Command → zero-amount alert received, beside command → read model visible, on the same commands of one run: the app
/// (API + projection host + the zero-amount-alerts reaction to a webhook receiver) in-process, RecordTransaction of amount 0
/// over HTTP on an open-loop schedule. Each command is also timed along its path: 201, first GetRecords that returned its
/// record (any consumer of this process), the reaction's batch that carried it, the receiver's arrival.
/// </summary>
internal static class ReactionsLatency
{
    public sealed record Result(LoadResult Alert, LoadResult Visible, string Stages, string Calls, int Errors, string ErrorKinds, int Warmup, int Invoices);

    public static async Task<Result> RunAsync(LocalStack stack, IReadOnlyDictionary<string, string?> reaction, Func<string, Task<long>> arrival,
        int rate, int seconds, CancellationToken ct)
    {
        var prefix = $"rxl{DateTime.UtcNow:HHmmss}-";
        var settings = EventLedgerSettings.FromStack(stack, prefix) with { PostgresConnectionString = null };
        var streamRead = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var handed = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var operations = new OperationCounter();
        await using var app = await EventLedgerWebApp.BuildAsync(settings, 0, LogLevel.Warning, ct, configureServices: services =>
        {
            services.AddSingleton(_ => operations.Wrap(new StreamTap(DynamoDbStreamsClient.ForEndpoint(settings.DynamoDbEndpoint!), streamRead)));
            foreach (var configured in ReactionsConfiguration.Read(new ConfigurationBuilder().AddInMemoryCollection(reaction).Build()))
            {
                services.AddReaction(configured);
                // AddReaction's host registration is the last HostedReadModel: time when its batches reach the reaction.
                var registration = services.Last(d => d.ServiceType == typeof(HostedReadModel));
                services.Remove(registration);
                services.AddSingleton(sp =>
                {
                    var hosted = (HostedReadModel)registration.ImplementationFactory!(sp);
                    return hosted with
                    {
                        CreateAsync = async (version, token) =>
                        {
                            var projection = await hosted.CreateAsync(version, token);
                            return projection with { Projection = new TimedProjection(projection.Projection, handed) };
                        },
                    };
                });
            }
        });
        operations.Attach(app.Services.GetRequiredService<Amazon.DynamoDBv2.IAmazonDynamoDB>());
        await app.StartAsync(ct);
        using var http = new HttpClient { BaseAddress = app.BaseAddress() };
        http.DefaultRequestHeaders.Authorization = app.Services.LocalBearer("bench", LedgerScopes.All, TimeSpan.FromHours(12));
        await WaitUntilReadingAsync(app.Services.GetRequiredService<ProjectionHostService>(), ct);

        var warmup = Math.Max(5, seconds / 3);
        Console.WriteLine($"Alert latency: warm-up {warmup} s at {rate}/s, then {seconds} s measured (open loop)…");
        await RunLoadAsync(http, arrival, "warm", rate, warmup, ct);
        var before = operations.Snapshot();
        using var sends = new SendDurations(Reaction(reaction));
        var measured = await RunLoadAsync(http, arrival, "run", rate, seconds, ct);
        var calls = OperationCounter.PerUnit(before, operations.Snapshot(), rate * seconds);
        Console.WriteLine($"  DynamoDB / Streams calls per command: {calls}");

        static double Between(long from, long to) => from > 0 && to > 0 ? Stopwatch.GetElapsedTime(from, to).TotalMilliseconds : double.NaN;
        static long At(ConcurrentDictionary<string, long> times, Trace t) => t.Id is { } id && times.TryGetValue(id, out var at) ? at : 0;
        var traces = measured.Traces.Where(t => t.Received > 0).ToList();
        string Describe(string name, Func<Trace, double> stage)
        {
            var values = traces.Select(stage).Where(v => !double.IsNaN(v)).ToArray();
            var result = new LoadResult(values.Length, TimeSpan.FromSeconds(seconds), values, 0);
            return $"{name} p50 {result.P50:F0} / p99 {result.P99:F0} ms";
        }

        var stages = string.Join("; ", [
            Describe("scheduled → 201", t => Between(t.Due, t.Acked)),
            Describe("201 → first GetRecords that returned the event", t => Between(t.Acked, At(streamRead, t))),
            Describe("→ in a batch handed to the reaction", t => Between(At(streamRead, t), At(handed, t))),
            Describe("→ received by the webhook", t => Between(At(handed, t), t.Received)),
        ]) + $" (one POST of the sink: {sends.Describe(seconds)})";
        return new Result(
            new LoadResult(measured.Alert.Count, TimeSpan.FromSeconds(seconds), [.. measured.Alert], measured.Errors),
            new LoadResult(measured.Visible.Count, TimeSpan.FromSeconds(seconds), [.. measured.Visible], measured.Errors),
            stages, calls, measured.Errors,
            string.Join(", ", measured.ErrorKinds.OrderByDescending(k => k.Value).Select(k => $"{k.Key}: {k.Value}")), warmup, Invoices);
    }

    private static string Reaction(IReadOnlyDictionary<string, string?> configuration) =>
        ReactionsConfiguration.Read(new ConfigurationBuilder().AddInMemoryCollection(configuration).Build()).Single(r => r.IsOn).Name;

    /// <summary>The reaction's sink calls (<c>eventledger.reactions.send.duration</c>), to tell the sink's time from waiting in the reaction.</summary>
    private sealed class SendDurations : IDisposable
    {
        private readonly ConcurrentBag<double> _values = [];
        private readonly InstrumentTap<double> _tap;

        public SendDurations(string reaction) =>
            _tap = new InstrumentTap<double>(EventLedger.Reactions.ReactionMetrics.MeterName, "eventledger.reactions.send.duration", (value, tags) =>
            {
                if (tags.GetValueOrDefault("reaction") as string == reaction)
                {
                    _values.Add(value);
                }
            });

        public string Describe(int seconds)
        {
            var result = new LoadResult(_values.Count, TimeSpan.FromSeconds(seconds), [.. _values], 0);
            return $"p50 {result.P50:F0} / p99 {result.P99:F0} ms";
        }

        public void Dispose() => _tap.Dispose();
    }

    /// <summary>Until every subscription of the host (the group and the reaction's) holds a shard and reads it.</summary>
    private static async Task WaitUntilReadingAsync(ProjectionHostService host, CancellationToken ct)
    {
        var started = Stopwatch.StartNew();
        while (host.GetStatus() is var status && (status.Count == 0 || !status.All(s => s.Subscription.Shards.Any(sh => sh.State == "Processing"))))
        {
            if (started.Elapsed > TimeSpan.FromSeconds(60))
            {
                throw new TimeoutException("The projection host did not start reading within 60 s.");
            }

            await Task.Delay(50, ct);
        }
    }

    // As in the latency scenario. With 200 (before), a command whose predecessor on the same invoice (2 s earlier) had not
    // returned raced it: each loser re-read and appended again (2.4 TransactWriteItems and 1.5 BatchGetItem per command
    // measured), which pushed DynamoDB Local further behind, so more commands raced: the run collapsed.
    private const int Invoices = 1000;

    private sealed class Trace
    {
        public long Due;
        public long Acked;
        public long Received;
        public string? Id;
    }

    private sealed record Measured(ConcurrentBag<double> Alert, ConcurrentBag<double> Visible, List<Trace> Traces, int Errors, ConcurrentDictionary<string, int> ErrorKinds);

    private static async Task<Measured> RunLoadAsync(HttpClient http, Func<string, Task<long>> arrival, string run, int rate, int seconds, CancellationToken ct)
    {
        var alert = new ConcurrentBag<double>();
        var visible = new ConcurrentBag<double>();
        var errorKinds = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var errors = 0;
        var total = rate * seconds;
        var traces = new List<Trace>(total);
        var tasks = new List<Task>(total);
        var start = Stopwatch.GetTimestamp();
        using (Progress.Every(() => $"{run}: sent {tasks.Count:N0}/{total:N0}, visible {visible.Count:N0}, alerts {alert.Count:N0}"))
        {
            for (var i = 0; i < total; i++)
            {
                var due = TimeSpan.FromSeconds(i / (double)rate);
                if (due - Stopwatch.GetElapsedTime(start) is var wait && wait > TimeSpan.FromMilliseconds(1))
                {
                    await Task.Delay(wait, ct);
                }

                var trace = new Trace { Due = start + (long)(due.TotalSeconds * Stopwatch.Frequency) };
                traces.Add(trace);
                var index = i;
                tasks.Add(Task.Run(async () =>
                {
                    try
                    {
                        var invoice = $"{run}-{index % Invoices}";
                        using var response = await http.PostAsJsonAsync($"/invoices/{invoice}/transactions",
                            new { transactionId = $"t{index}", amount = 0m, currency = "USD", country = "USA", invoiceDate = "2026-01-05" }, ct);
                        if (!response.IsSuccessStatusCode)
                        {
                            throw new HttpRequestException($"POST {(int)response.StatusCode}", null, response.StatusCode);
                        }

                        var created = await response.Content.ReadFromJsonAsync<Created>(ct);
                        trace.Acked = Stopwatch.GetTimestamp();
                        trace.Id = created!.EventId.ToString("D");
                        // The two are measured independently: the alert does not wait for the read, nor the read for the alert.
                        await Task.WhenAll(AlertAsync(trace, arrival(trace.Id)), VisibleAsync(invoice, created.Version, trace.Due));
                    }
                    catch (Exception ex) when (!ct.IsCancellationRequested)
                    {
                        Error(ex is HttpRequestException { StatusCode: { } status } ? $"POST {(int)status}" : $"POST {ex.GetType().Name}");
                    }
                }, ct));
            }

            await Task.WhenAll(tasks);
        }

        Progress.Done();
        return new Measured(alert, visible, traces, errors, errorKinds);

        void Error(string kind)
        {
            Interlocked.Increment(ref errors);
            errorKinds.AddOrUpdate(kind, 1, (_, n) => n + 1);
        }

        async Task AlertAsync(Trace trace, Task<long> arrived)
        {
            try
            {
                trace.Received = await arrived.WaitAsync(TimeSpan.FromSeconds(30), ct);
                alert.Add(Stopwatch.GetElapsedTime(trace.Due, trace.Received).TotalMilliseconds);
            }
            catch (TimeoutException)
            {
                Error("no alert within 30 s of the 201");
            }
        }

        async Task VisibleAsync(string invoice, long version, long due)
        {
            try
            {
                while (true)
                {
                    // The API's read-your-writes wait, as in the latency scenario; asked again until the row has the version.
                    using var read = await http.GetAsync($"/invoices/{invoice}?minVersion={version}&waitMs=5000", ct);
                    var row = read.IsSuccessStatusCode ? await read.Content.ReadFromJsonAsync<Totals>(ct) : null;
                    if (row is not null && row.Version >= version)
                    {
                        visible.Add(Stopwatch.GetElapsedTime(due).TotalMilliseconds);
                        return;
                    }

                    if (Stopwatch.GetElapsedTime(due) > TimeSpan.FromSeconds(30))
                    {
                        Error("not visible within 30 s");
                        return;
                    }
                }
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                Error($"GET {ex.GetType().Name}");
            }
        }
    }

    private sealed record Created(string InvoiceNumber, long Version, Guid EventId);

    private sealed record Totals(string InvoiceNumber, long Version);

    /// <summary>Notes when a GetRecords call first returned each event (by the EventId of its new image).</summary>
    private sealed class StreamTap(IDynamoDbStreams inner, ConcurrentDictionary<string, long> firstRead) : IDynamoDbStreams
    {
        public Task<ListStreamsResponse> ListStreamsAsync(ListStreamsRequest request, CancellationToken cancellationToken = default) => inner.ListStreamsAsync(request, cancellationToken);

        public Task<DescribeStreamResponse> DescribeStreamAsync(DescribeStreamRequest request, CancellationToken cancellationToken = default) => inner.DescribeStreamAsync(request, cancellationToken);

        public Task<GetShardIteratorResponse> GetShardIteratorAsync(GetShardIteratorRequest request, CancellationToken cancellationToken = default) => inner.GetShardIteratorAsync(request, cancellationToken);

        public async Task<GetRecordsResponse> GetRecordsAsync(GetRecordsRequest request, CancellationToken cancellationToken = default)
        {
            var response = await inner.GetRecordsAsync(request, cancellationToken);
            var now = Stopwatch.GetTimestamp();
            foreach (var record in response.Records)
            {
                if (record.Dynamodb.NewImage?.TryGetValue(EventItem.EventId, out var id) == true && id.S is { } text)
                {
                    firstRead.TryAdd(text, now);
                }
            }

            return response;
        }

        public void Dispose() => inner.Dispose();
    }

    /// <summary>Notes when a batch carrying each event reached the reaction, then delivers it unchanged.</summary>
    private sealed class TimedProjection(IProjection inner, ConcurrentDictionary<string, long> handed) : IProjection
    {
        public string Name => inner.Name;
        public int SchemaVersion => inner.SchemaVersion;

        public ValueTask ApplyAsync(ProjectionBatch batch, CancellationToken cancellationToken)
        {
            var now = Stopwatch.GetTimestamp();
            foreach (var e in batch.Events)
            {
                handed.TryAdd(e.EventId.ToString("D"), now);
            }

            return inner.ApplyAsync(batch, cancellationToken);
        }
    }
}
