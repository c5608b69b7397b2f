using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using EventLedger.Cli.Commands;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.ProjectionHost.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace EventLedger.IntegrationTests.ProjectionHost;

/// <summary>The projection host when things go wrong: a host that dies between applying and checkpointing, and poison events.</summary>
[Collection(StackCollection.Name)]
public sealed class HostResilienceTests(StackFixture stack)
{
    private static async Task<long> Record(HttpClient http, string invoice, string transactionId, decimal amount)
    {
        using var response = await http.PostAsJsonAsync($"/invoices/{invoice}/transactions",
            new { transactionId, amount, currency = "USD", country = "USA", invoiceDate = "2016-06-06" });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt64();
    }

    [Fact]
    public async Task A_host_killed_between_applying_and_checkpointing_loses_nothing_and_counts_nothing_twice()
    {
        var prefix = StackFixture.NewPrefix("crash");
        var frozen = new FaultyReadModel(_ => false) { FreezeAfter = 5 };
        var first = await TestApp.StartAsync(stack, "crash", s => frozen.Register(s, prefix), tablePrefix: prefix);
        var amounts = new[] { 10m, 20.5m, -3m, 100m, 0.25m };
        for (var i = 0; i < amounts.Length; i++)
        {
            await Record(first.Http, "CRASH-1", $"t{i}", amounts[i]);
        }

        await Probe.UntilAsync(() => frozen.Projection is { Applied: >= 5 }, "the first host to apply all five events (and freeze before its checkpoint)");
        await first.DisposeAsync();

        var healthy = new FaultyReadModel(_ => false);
        await using var second = await TestApp.StartAsync(stack, "crash", s => healthy.Register(s, prefix), tablePrefix: prefix);
        var queries = FaultyReadModel.Queries(stack.DynamoDb, prefix);
        await Probe.UntilAsync(() => healthy.Projection is { Applied: >= 1 }, "the second host to receive the uncheckpointed batch again",
            TimeSpan.FromSeconds(60), () => second.Http.GetStringAsync("/projections").GetAwaiter().GetResult());

        var row = await queries.GetAsync("CRASH-1");
        Assert.NotNull(row);
        Assert.Equal(amounts.Sum(), row!.Total);
        Assert.Equal(5, row.TransactionCount);
        Assert.Equal(5, row.LastAppliedVersion);
    }

    [Fact]
    public async Task A_poison_event_is_parked_while_later_events_flow_and_dlq_retry_applies_it_once_fixed()
    {
        var prefix = StackFixture.NewPrefix("poison");
        var faulty = new FaultyReadModel(invoice => invoice.StartsWith("POISON", StringComparison.Ordinal));
        await using var app = await TestApp.StartAsync(stack, "poison", s =>
        {
            faulty.Register(s, prefix);
            s.AddSingleton(new ProjectionHostOptions { TablePrefix = prefix, MaximumRetryAttempts = 1, BatchSize = 10 });
        }, tablePrefix: prefix);
        var queries = FaultyReadModel.Queries(stack.DynamoDb, prefix);

        await Record(app.Http, "GOOD-1", "t1", 1m);
        await Record(app.Http, "POISON-1", "t1", 42m);
        await Record(app.Http, "POISON-2", "t1", 7m);
        await Record(app.Http, "GOOD-2", "t1", 2m);

        await Probe.UntilAsync(async () => await queries.GetAsync("GOOD-2") is not null, "an event after the poison ones to be applied");
        var parked = await DeadLetters(app.Http);
        Assert.Equal(["POISON-1", "POISON-2"], parked.Select(d => d.GetProperty("invoiceNumber").GetString()).Order());
        Assert.All(parked, d => Assert.Equal($"{FaultyReadModel.Name}-v1", d.GetProperty("subscription").GetString()));
        Assert.Null(await queries.GetAsync("POISON-1"));

        // Still broken: a retry fails and the record stays parked.
        var id1 = parked.Single(d => d.GetProperty("invoiceNumber").GetString() == "POISON-1").GetProperty("id").GetString()!;
        var id2 = parked.Single(d => d.GetProperty("invoiceNumber").GetString() == "POISON-2").GetProperty("id").GetString()!;
        Assert.Equal(1, await Cli(app, "dlq", "retry", id1));
        Assert.Equal(2, (await DeadLetters(app.Http)).Count);

        faulty.Projection!.Failing = false;
        Assert.True(await Cli(app, "dlq", "retry", id1) == 0, LastCliErrors);
        Assert.True(await Cli(app, "dlq", "discard", id2) == 0, LastCliErrors);

        Assert.Empty(await DeadLetters(app.Http));
        Assert.Equal(42m, (await queries.GetAsync("POISON-1"))!.Total);
        Assert.Null(await queries.GetAsync("POISON-2"));
        Assert.Equal(1, await Cli(app, "dlq", "discard", id2));
    }

    private static async Task<List<JsonElement>> DeadLetters(HttpClient http) =>
        [.. (await http.GetFromJsonAsync<JsonElement>("/dead-letters")).GetProperty("items").EnumerateArray()];

    /// <summary>Runs the operator CLI in-process against the test app's URL; its error output goes into <see cref="LastCliErrors"/>.</summary>
    private async Task<int> Cli(TestApp app, params string[] args)
    {
        var errors = new StringWriter();
        var exit = await new RootCommand { DeadLettersCommand.Create() }
            .Parse([.. args, "--url", app.Http.BaseAddress!.ToString()])
            .InvokeAsync(new InvocationConfiguration { Error = errors, Output = TextWriter.Null });
        LastCliErrors = errors.ToString();
        return exit;
    }

    private string LastCliErrors { get; set; } = "";
}
