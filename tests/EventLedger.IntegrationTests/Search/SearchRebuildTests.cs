using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.ProjectionHost.Rebuilds;
using EventLedger.Projections.Search;
using Npgsql;
using static EventLedger.IntegrationTests.Rebuild.RebuildHarness;

namespace EventLedger.IntegrationTests.Search;

/// <summary>
/// invoice-search rebuilt side by side by the same engine as the other read models (pages of 20 events in 2 segments, so
/// an invoice spans pages and every page goes through Marten's bulk insert): new schema, seeded checkpoint, switch, old
/// schema dropped, and the same answers from the new version.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class SearchRebuildTests(StackFixture fixture)
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(180);

    [Fact]
    public async Task Search_rebuild_answers_the_same_queries_from_a_new_schema()
    {
        await using var app = await TestApp.StartAsync(fixture, "rb-search", With(FastOptions(pageSize: 20)));
        var live = 0;
        long lastVersion = 0;
        for (var i = 0; i < 5; i++)
        {
            for (var t = 0; t < 8; t++)
            {
                var body = $$$"""{"transactionId":"Client{{{t % 3}}}_t{{{t}}}","amount":{{{10 + t}}},"currency":"USD","country":"USA","invoiceDate":"2016-06-06","document":{"Vendor Name":"Vendor{{{i}}}{{{t}}} Inc","ItemsDesc":[{"printer":{"Quantity":{{{1 + (t % 3)}}}}}]}}""";
                Assert.Equal(HttpStatusCode.Created, (await app.Http.PostAsync($"/invoices/S-{i}/transactions", Json(body))).StatusCode);
                live++;
            }

            Assert.True((await app.Http.PutAsync($"/invoices/S-{i}/transactions/Client1_t1", Json("""{"amount":99}"""))).IsSuccessStatusCode);
            var voided = await app.Http.DeleteAsync($"/invoices/S-{i}/transactions/Client2_t2");
            lastVersion = (await voided.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt64();
            live--;
        }

        string[] queries = ["q=client1", "vendor=1", "item=printer&minQuantity=2", "status=all&limit=7", "status=voided"];
        var before = new List<string>();
        foreach (var query in queries)
        {
            before.Add(await app.Http.GetStringAsync($"/search?{query}&invoiceNumber=S-4&minVersion={lastVersion}&waitMs=30000"));
        }

        Assert.Equal(live, JsonDocument.Parse(await app.Http.GetStringAsync("/search?limit=500")).RootElement.GetProperty("items").GetArrayLength());

        Assert.Equal(HttpStatusCode.Accepted, (await app.Http.PostAsync($"/projections/{InvoiceSearchProjection.ProjectionName}/rebuild", null)).StatusCode);
        var completed = await WaitForStateAsync(app.Http, InvoiceSearchProjection.ProjectionName, "completed", Long);
        Assert.Equal(2, completed.GetProperty("version").GetInt32());
        Assert.True(completed.GetProperty("eventsDone").GetInt64() >= 50);

        var after = new List<string>();
        await Probe.UntilAsync(async () =>
        {
            after.Clear();
            foreach (var query in queries) after.Add(await app.Http.GetStringAsync($"/search?{query}&invoiceNumber=S-4"));
            return after.SequenceEqual(before);
        }, "the rebuilt search (v2) to answer as v1 did", Long, () => string.Join("\n", after));

        await using var postgres = NpgsqlDataSource.Create(fixture.PostgresConnectionString);
        async Task<bool> SchemaExistsAsync(int version)
        {
            await using var command = postgres.CreateCommand("select exists (select 1 from information_schema.schemata where schema_name = $1)");
            command.Parameters.AddWithValue(InvoiceSearchSchemaName.For(app.Settings.TablePrefix, version));
            return (bool)(await command.ExecuteScalarAsync())!;
        }

        Assert.True(await SchemaExistsAsync(2));
        await Probe.UntilAsync(async () => !await SchemaExistsAsync(1), "the v1 search schema to be dropped after the grace period", Long);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
