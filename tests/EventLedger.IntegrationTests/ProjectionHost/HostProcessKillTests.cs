using EventLedger.Domain.Invoices;
using EventLedger.EventStore;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.Projections.DynamoDb;
using EventLedger.Projections.Analytics;
using EventLedger.Projections.Common;
using EventLedger.Projections.InvoiceTotals;

namespace EventLedger.IntegrationTests.ProjectionHost;

/// <summary>
/// The real thing: `eventledger serve --role host` as a child process, killed with SIGKILL while it is applying, then
/// started again. The analytics read model (checkpoint committed with its rows) must end exactly equal to the events, and
/// so must invoice-totals, whose checkpoints are written at most every CheckpointInterval (5 s here), so the restarted
/// host delivers again what the killed one applied after its last checkpoint.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class HostProcessKillTests(StackFixture stack)
{
    private static readonly DateOnly Day = new(2031, 1, 1);

    [Fact]
    public async Task A_host_process_killed_mid_stream_and_restarted_applies_every_event_exactly_once()
    {
        var prefix = StackFixture.NewPrefix("kill");
        var store = await stack.EventStoreAsync(prefix);
        await using var analytics = AnalyticsStore.Create(stack.PostgresConnectionString, AnalyticsSchemaName.For(prefix, 1));
        var queries = new AnalyticsQueries(analytics);

        var expectedTotal = await AppendAsync(store, 0, 150);
        await using (var first = StartHost(prefix))
        {
            await Probe.UntilAsync(async () => await CountAsync(queries) > 0, "the first host process to apply some events", TimeSpan.FromSeconds(60));
            expectedTotal += await AppendAsync(store, 150, 150);
            await first.KillAsync();
        }

        var appliedBeforeRestart = await CountAsync(queries);
        await using (var second = StartHost(prefix))
        {
            (long Count, decimal Total) day = default;
            await Probe.UntilAsync(async () => (day = await DayAsync(queries)).Count >= 300, "the restarted host to apply all 300 events",
                TimeSpan.FromSeconds(90), () => $"{day}, {appliedBeforeRestart} applied before the restart");
            Assert.Equal((300L, expectedTotal), day);

            var totals = new DynamoDbRows<InvoiceTotalsRow>(stack.DynamoDb, new ReadModelTable(prefix, InvoiceTotalsProjection.ProjectionName, 1).TableName);
            var rows = new List<InvoiceTotalsRow?>();
            await Probe.UntilAsync(async () =>
            {
                rows = [.. await Task.WhenAll(Enumerable.Range(0, 5).Select(i => totals.GetAsync($"KILL-{i}", default)))];
                return rows.All(r => r?.LastAppliedVersion == 60);
            }, "invoice-totals to reach version 60 on every invoice", TimeSpan.FromSeconds(60),
                () => string.Join(", ", rows.Select(r => r?.LastAppliedVersion)) + "; host log:\n" + second.RecentOutput);
            Assert.All(rows, r => Assert.Equal(60, r!.TransactionCount));
            Assert.Equal(expectedTotal, rows.Sum(r => r!.Total));
            Assert.All(Enumerable.Range(0, 5), i => Assert.Equal(Enumerable.Range(0, 300).Where(n => n % 5 == i).Sum(n => (n % 17) + 0.25m), rows[i]!.Total));
        }
    }

    private static async Task<decimal> AppendAsync(InvoiceEventStore store, int from, int count)
    {
        var total = 0m;
        for (var i = from; i < from + count; i++)
        {
            var amount = (i % 17) + 0.25m;
            total += amount;
            await store.DecideAndAppendAsync(new RecordTransaction($"KILL-{i % 5}", $"t{i}", amount, "USD", "USA", Day, null));
        }

        return total;
    }

    private static async Task<long> CountAsync(AnalyticsQueries queries)
    {
        try
        {
            return (await DayAsync(queries)).Count;
        }
        catch (AnalyticsStoreException)
        {
            return 0; // schema not migrated yet
        }
    }

    private static async Task<(long Count, decimal Total)> DayAsync(AnalyticsQueries queries)
    {
        var rows = await queries.DailyAsync(Day, Day);
        return rows.Count == 0 ? (0, 0) : (rows[0].TransactionCount, rows[0].TotalAmount);
    }

    private HostProcess StartHost(string prefix) =>
        HostProcess.Start(stack, prefix, new Dictionary<string, string> { ["Projections__CheckpointInterval"] = "00:00:05" });
}
