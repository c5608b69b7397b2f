using System.Text.Json;
using EventLedger.Domain.Invoices;
using EventLedger.EventStore;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.Projections.Search;
using Npgsql;

namespace EventLedger.IntegrationTests.Search;

/// <summary>
/// `eventledger serve --role host` as a child process (as in <c>HostProcessKillTests</c>), killed with SIGKILL while it
/// applies, then started again: the search documents (checkpoint committed with them) end exactly as the commands left them.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class SearchHostProcessKillTests(StackFixture stack)
{
    private static readonly DateOnly Day = new(2032, 2, 2);

    [Fact]
    public async Task A_host_process_killed_mid_stream_and_restarted_leaves_every_document_as_the_commands_left_it()
    {
        var prefix = StackFixture.NewPrefix("skill");
        var store = await stack.EventStoreAsync(prefix);
        await using var dataSource = NpgsqlDataSource.Create(stack.PostgresConnectionString);
        await using var search = new InvoiceSearchStore(dataSource, InvoiceSearchSchemaName.For(prefix, 1));
        var queries = new InvoiceSearchQueries(search);
        var expected = new Dictionary<string, decimal>(StringComparer.Ordinal);

        await AppendAsync(store, 0, 120, expected);
        await using (var first = HostProcess.Start(stack, prefix))
        {
            await Probe.UntilAsync(async () => await CountAsync(queries) > 0, "the first host process to write some search documents", TimeSpan.FromSeconds(60));
            await AppendAsync(store, 120, 120, expected);
            await first.KillAsync();
        }

        await using (HostProcess.Start(stack, prefix))
        {
            IReadOnlyList<InvoiceSearchHit> hits = [];
            await Probe.UntilAsync(async () =>
            {
                hits = await DocumentsAsync(queries);
                return hits.Count == expected.Count && hits.All(h => h.Amount == expected[$"{h.InvoiceNumber}/{h.TransactionId}"] && h.Status == Status(h.TransactionId));
            }, "the restarted host to bring every search document to its last event", TimeSpan.FromSeconds(90), () => $"{hits.Count} of {expected.Count} documents");
            Assert.Equal(expected.OrderBy(kv => kv.Key, StringComparer.Ordinal),
                hits.Select(h => new KeyValuePair<string, decimal>($"{h.InvoiceNumber}/{h.TransactionId}", h.Amount)));
        }
    }

    /// <summary>Every 5th transaction is adjusted right after it is recorded and every 7th voided.</summary>
    private static string Status(string transactionId) =>
        int.Parse(transactionId[1..], System.Globalization.CultureInfo.InvariantCulture) % 7 == 0 ? InvoiceSearchStatus.Voided : InvoiceSearchStatus.Live;

    private static async Task AppendAsync(InvoiceEventStore store, int from, int count, Dictionary<string, decimal> expected)
    {
        for (var i = from; i < from + count; i++)
        {
            var invoice = $"SKILL-{i % 5}";
            var document = JsonSerializer.SerializeToElement(new Dictionary<string, object>
            {
                ["Vendor Name"] = $"Vendor{i % 13} Inc",
                ["ItemsDesc"] = new[] { new Dictionary<string, object> { ["printer"] = new { Quantity = 1 + (i % 3) } } },
            });
            var amount = (i % 17) + 0.25m;
            await store.DecideAndAppendAsync(new RecordTransaction(invoice, $"t{i}", amount, "USD", "USA", Day, document));
            if (i % 5 == 0)
            {
                amount += 1;
                await store.DecideAndAppendAsync(new AdjustTransaction(invoice, $"t{i}", amount, null));
            }

            if (i % 7 == 0)
            {
                await store.DecideAndAppendAsync(new VoidTransaction(invoice, $"t{i}", null));
            }

            expected[$"{invoice}/t{i}"] = amount;
        }
    }

    private static async Task<int> CountAsync(InvoiceSearchQueries queries) => (await DocumentsAsync(queries)).Count;

    private static async Task<IReadOnlyList<InvoiceSearchHit>> DocumentsAsync(InvoiceSearchQueries queries)
    {
        try
        {
            return (await queries.SearchAsync(new InvoiceSearchQuery(Item: "printer", Status: InvoiceSearchQuery.AllStatuses, Limit: 500))).Items;
        }
        catch (InvoiceSearchStoreException)
        {
            return []; // schema not created yet
        }
    }
}
