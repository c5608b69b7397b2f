using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EventLedger.Domain.Invoices;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.Projections;
using EventLedger.Projections.Common;
using EventLedger.Projections.DynamoDb;
using static EventLedger.IntegrationTests.Rebuild.RebuildHarness;

namespace EventLedger.IntegrationTests.Projections;

/// <summary>
/// The read-side contract end to end: a read model that exists only as a declaration (a row record and a class with
/// handlers) and one entry in the list the server is given is hosted from the stream, shown in <c>GET /projections</c>,
/// and rebuilt side by side, with nothing else naming it.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class DeclaredReadModelTests(StackFixture fixture)
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(180);

    [Fact]
    public async Task A_read_model_declared_only_in_the_list_is_hosted_shown_and_rebuilt()
    {
        await using var app = await TestApp.StartAsync(fixture, "declared", With(FastOptions()),
            readModels: [.. ReadModelCatalog.All, new VoidedTransactionsProjection()]);
        foreach (var id in new[] { "t1", "t2", "t3" })
        {
            Assert.Equal(HttpStatusCode.Created, (await app.Http.PostAsync("/invoices/D-1/transactions", Json(
                $$"""{"transactionId":"{{id}}","amount":12.5,"currency":"EUR","country":"DE","invoiceDate":"2026-01-02"}"""))).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await app.Http.DeleteAsync("/invoices/D-1/transactions/t2")).StatusCode);

        DynamoDbRows<VoidedTransactionRow> Table(int version) =>
            new(fixture.DynamoDb, new ReadModelTable(app.Settings.TablePrefix, VoidedTransactionsProjection.ReadModelName, version).TableName);
        IReadOnlyList<VoidedTransactionRow> rows = [];
        await Probe.UntilAsync(async () => (rows = await Table(1).ListAsync("D-1")).Count == 1,
            "the declared read model to hold the voided transaction", Long, () => $"{rows.Count} rows");
        Assert.Equal(new VoidedTransactionRow("D-1", "t2", 12.5m, "DE", 4), rows[0]);

        var listed = await StatusOfAsync(app.Http);
        Assert.Equal(1, listed.GetProperty("activeVersion").GetInt32());
        Assert.Equal("Running", listed.GetProperty("state").GetString());

        Assert.Equal(HttpStatusCode.Accepted, (await app.Http.PostAsync($"/projections/{VoidedTransactionsProjection.ReadModelName}/rebuild", null)).StatusCode);
        await WaitForStateAsync(app.Http, VoidedTransactionsProjection.ReadModelName, "completed", Long);

        Assert.Equal(2, (await StatusOfAsync(app.Http)).GetProperty("activeVersion").GetInt32());
        Assert.Equal(rows, await Table(2).ListAsync("D-1"));
    }

    private static async Task<JsonElement> StatusOfAsync(HttpClient http)
    {
        var all = await http.GetFromJsonAsync<JsonElement>("/projections");
        return all.EnumerateArray().Single(r => r.GetProperty("name").GetString() == VoidedTransactionsProjection.ReadModelName);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>One row per voided transaction: the whole declaration of a read model.</summary>
    public sealed record VoidedTransactionRow(
        [property: PartitionKey] string InvoiceNumber,
        [property: SortKey] string TransactionId,
        decimal Amount,
        string Country,
        long LastAppliedVersion);

    public sealed class VoidedTransactionsProjection : DynamoDbReadModel<VoidedTransactionRow>
    {
        public const string ReadModelName = "voided-transactions";

        public VoidedTransactionsProjection() : base(ReadModelName, schemaVersion: 1) =>
            On<TransactionVoided>((e, _) => e.TransactionId, (_, e, at) => new VoidedTransactionRow(at.StreamId, e.TransactionId, e.Amount, e.Country, 0));
    }
}
