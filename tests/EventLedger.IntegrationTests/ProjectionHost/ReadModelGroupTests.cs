using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Amazon.DynamoDBv2;
using EventLedger.Domain.Invoices;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.IntegrationTests.Rebuild;
using EventLedger.IntegrationTests.Streams;
using EventLedger.ProjectionHost.Hosting;
using EventLedger.Projections;
using EventLedger.Projections.Common;
using EventLedger.Projections.DynamoDb;
using EventLedger.Projections.InvoiceTotals;
using EventLedger.Streams.Client;
using EventLedger.Streams.Leases;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace EventLedger.IntegrationTests.ProjectionHost;

/// <summary>
/// The live DynamoDB read models fed as one group (ADR 0016): one lease per shard for all of them, a failing handler
/// parks its event for its own read model only, and with three hosts no shard is ever read by more than two of them,
/// also while a dead host's shards are taken over.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ReadModelGroupTests(StackFixture stack, ITestOutputHelper output)
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_handler_failing_in_one_grouped_read_model_parks_the_event_for_it_alone_while_the_others_apply_it()
    {
        var prefix = StackFixture.NewPrefix("group-poison");
        await using var app = await TestApp.StartAsync(stack, "group-poison", tablePrefix: prefix,
            readModels: [.. ReadModelCatalog.All, new PickyCounts()]);
        await Record(app.Http, "PICKY-1", "t1");
        await Record(app.Http, "FINE-1", "t1");
        await Record(app.Http, "FINE-1", "t2");

        // The other read models apply the event the picky one cannot.
        var totals = await app.Http.GetFromJsonAsync<JsonElement>("/invoices/PICKY-1?minVersion=1&waitMs=20000");
        Assert.Equal(1, totals.GetProperty("transactionCount").GetInt32());

        var picky = new DynamoDbRows<PickyRow>(stack.DynamoDb, new ReadModelTable(prefix, PickyCounts.ReadModelName, 1).TableName);
        PickyRow? fine = null;
        await Probe.UntilAsync(async () => (fine = await picky.GetAsync("FINE-1")) is { Count: 2 }, "the picky read model to apply the later events", Long,
            () => $"{fine}");
        Assert.Null(await picky.GetAsync("PICKY-1"));

        // Parked for the picky read model alone, and shown per read model as before.
        JsonElement[] parked = [];
        await Probe.UntilAsync(async () => (parked = await DeadLettersAsync(app.Http, $"{PickyCounts.ReadModelName}-v1")).Length == 1,
            "the picky read model's dead letter", Long, () => $"{parked.Length}");
        Assert.Empty(await DeadLettersAsync(app.Http, $"{InvoiceTotalsProjection.ProjectionName}-v1"));
        var status = await app.Http.GetFromJsonAsync<JsonElement>("/projections");
        int DeadLetters(string name) => status.EnumerateArray().Single(r => r.GetProperty("name").GetString() == name).GetProperty("deadLetters").GetInt32();
        Assert.Equal(1, DeadLetters(PickyCounts.ReadModelName));
        Assert.Equal(0, DeadLetters(InvoiceTotalsProjection.ProjectionName));

        // One lease per shard for the group; the live versions keep only their checkpoints under their own names.
        var leases = new DynamoDbLeaseStore(stack.DynamoDb, prefix + "leases");
        Assert.NotEmpty(await leases.ListAsync("dynamodb-read-models", CancellationToken.None));
        var own = await leases.ListAsync($"{InvoiceTotalsProjection.ProjectionName}-v1", CancellationToken.None);
        Assert.All(own, l => Assert.Null(l.Owner));
    }

    [Fact]
    public async Task Three_hosts_never_read_a_shard_with_more_than_two_and_take_over_a_dead_hosts_shards_within_the_lease_expiry()
    {
        var prefix = StackFixture.NewPrefix("group-hosts");
        var leaseDuration = TimeSpan.FromSeconds(3);
        var log = new ShardReaderLog();
        var hosts = new List<(string Name, TestApp App, ShardReaderLog.CountingStreams Streams, FailingDynamoDb Db)>();
        try
        {
            foreach (var name in new[] { "h1", "h2", "h3" })
            {
                var streams = log.Client(name, StreamsClients.For(stack));
                var (client, faults) = FailingDynamoDb.Around(stack.DynamoDb);
                var app = await TestApp.StartAsync(stack, "group-hosts", s =>
                {
                    s.AddSingleton<IDynamoDbStreams>(streams);
                    s.AddSingleton(client);
                    s.AddSingleton(new ProjectionHostOptions { TablePrefix = prefix, LeaseDuration = leaseDuration });
                }, tablePrefix: prefix);
                hosts.Add((name, app, streams, faults));
                if (hosts.Count == 1)
                {
                    await Probe.UntilAsync(() => OwnedShards(app).Count > 0, "the first host to lease the group's shards", Long);
                }
            }

            for (var i = 0; i < 12; i++)
            {
                await Record(hosts[i % 3].App.Http, $"HOSTS-{i % 4}", $"t{i}");
            }

            foreach (var invoice in Enumerable.Range(0, 4))
            {
                var row = await hosts[0].App.Http.GetFromJsonAsync<JsonElement>($"/invoices/HOSTS-{invoice}?minVersion=3&waitMs=20000");
                Assert.Equal(3, row.GetProperty("transactionCount").GetInt32());
            }

            // The host that reads the group's shards dies (no release: its calls fail, its leases stop being renewed).
            var owner = hosts.First(h => OwnedShards(h.App).Count > 0);
            var shards = OwnedShards(owner.App);
            owner.Streams.Die();
            owner.Db.FailEverything();
            var died = Stopwatch.GetTimestamp();
            var survivors = hosts.Where(h => h.Name != owner.Name).ToList();
            await Probe.UntilAsync(() => shards.All(s => survivors.Any(h => OwnedShards(h.App).Contains(s))),
                "a surviving host to take over the dead host's group shards", Long);
            var takeover = Stopwatch.GetElapsedTime(died);

            // The lease runs out after LeaseDuration without renewal; a survivor notices within one renew interval more
            // (a third of it), and the rest is this shared machine's scheduling.
            Assert.True(takeover < leaseDuration + (leaseDuration / 3) + TimeSpan.FromSeconds(5), $"takeover took {takeover}");

            await Record(survivors[0].App.Http, "HOSTS-0", "after");
            var after = await survivors[1].App.Http.GetFromJsonAsync<JsonElement>("/invoices/HOSTS-0?minVersion=4&waitMs=20000");
            Assert.Equal(4, after.GetProperty("transactionCount").GetInt32());

            var readers = log.MostConcurrentReaders(TimeSpan.FromSeconds(1));
            output.WriteLine($"takeover {takeover.TotalSeconds:0.00} s; most hosts reading a shard within 1 s: {string.Join(", ", readers.Select(r => $"{r.Key}={r.Value}"))}; GetRecords calls per host: {string.Join(", ", log.Calls.GroupBy(c => c.Host).Select(g => $"{g.Key}={g.Count()}"))}");
            Assert.NotEmpty(readers);
            Assert.All(readers, r => Assert.True(r.Value <= 2, $"shard {r.Key} had {r.Value} hosts calling GetRecords within one second"));
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.App.DisposeAsync();
            }
        }
    }

    private static IReadOnlySet<string> OwnedShards(TestApp app) =>
        app.Get<ProjectionHostService>().GroupStatus() is { } status
            ? status.Shards.Where(s => s.Owner == status.OwnerId && s.State == "Processing").Select(s => s.ShardId).ToHashSet()
            : new HashSet<string>();

    private static async Task<JsonElement[]> DeadLettersAsync(HttpClient http, string subscription) =>
        [.. (await http.GetFromJsonAsync<JsonElement>($"/dead-letters?subscription={subscription}")).GetProperty("items").EnumerateArray()];

    private static async Task Record(HttpClient http, string invoice, string transactionId)
    {
        using var response = await http.PostAsJsonAsync($"/invoices/{invoice}/transactions",
            new { transactionId, amount = 10m, currency = "USD", country = "USA", invoiceDate = "2016-06-06" });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Transactions per invoice, from a handler that cannot cope with invoice PICKY-1.</summary>
    public sealed record PickyRow([property: PartitionKey] string InvoiceNumber, int Count, long LastAppliedVersion);

    public sealed class PickyCounts : DynamoDbReadModel<PickyRow>
    {
        public const string ReadModelName = "picky-counts";

        public PickyCounts() : base(ReadModelName, schemaVersion: 1) =>
            On<TransactionRecorded>((row, _, at) => at.StreamId == "PICKY-1"
                ? throw new InvalidOperationException("picky-counts cannot apply PICKY-1")
                : new PickyRow(at.StreamId, (row?.Count ?? 0) + 1, 0));
    }
}
