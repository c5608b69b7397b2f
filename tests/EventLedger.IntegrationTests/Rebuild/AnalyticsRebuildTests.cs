using System.Net;
using System.Text;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.Projections.Analytics;
using Npgsql;
using static EventLedger.IntegrationTests.Rebuild.RebuildHarness;

namespace EventLedger.IntegrationTests.Rebuild;

/// <summary>The PostgreSQL analytics read model rebuilt side by side: new schema, seeded PostgreSQL checkpoint, switch, old schema dropped.</summary>
[Collection(StackCollection.Name)]
public sealed class AnalyticsRebuildTests(StackFixture fixture)
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(180);

    [Fact]
    public async Task Analytics_rebuild_answers_the_same_queries_from_a_new_schema()
    {
        await using var app = await TestApp.StartAsync(fixture, "rb-analytics", With(FastOptions(pageSize: 20)));
        const string daily = "/analytics/daily?from=2016-01-01&to=2016-12-31";
        var live = 0;
        for (var i = 0; i < 5; i++)
        {
            for (var t = 0; t < 8; t++)
            {
                var country = t % 2 == 0 ? "USA" : "UK";
                var body = $$"""{"transactionId":"t{{t}}","amount":{{10 + t}},"currency":"USD","country":"{{country}}","invoiceDate":"2016-06-0{{1 + (t % 5)}}"}""";
                Assert.Equal(HttpStatusCode.Created, (await app.Http.PostAsync($"/invoices/A-{i}/transactions", Json(body))).StatusCode);
                live++;
            }

            Assert.True((await app.Http.PutAsync($"/invoices/A-{i}/transactions/t1", Json("""{"amount":99}"""))).IsSuccessStatusCode);
            Assert.True((await app.Http.DeleteAsync($"/invoices/A-{i}/transactions/t2")).IsSuccessStatusCode);
            live--;
        }

        string before = "";
        await Probe.UntilAsync(async () =>
        {
            before = await app.Http.GetStringAsync("/analytics/countries");
            var counted = System.Text.Json.JsonDocument.Parse(before).RootElement.EnumerateArray().Sum(c => c.GetProperty("transactionCount").GetInt32());
            return counted == live && await app.Http.GetStringAsync(daily) is { Length: > 2 };
        }, $"the live analytics to count {live} live transactions", Long, () => before);
        var beforeCountries = before;
        var beforeDaily = await app.Http.GetStringAsync(daily);

        Assert.Equal(HttpStatusCode.Accepted, (await app.Http.PostAsync("/projections/analytics/rebuild", null)).StatusCode);
        var completed = await WaitForStateAsync(app.Http, AnalyticsProjection.ProjectionName, "completed", Long);
        Assert.Equal(2, completed.GetProperty("version").GetInt32());
        Assert.True(completed.GetProperty("eventsDone").GetInt64() >= 50);

        await Probe.UntilAsync(async () => await app.Http.GetStringAsync("/analytics/countries") == beforeCountries
                && await app.Http.GetStringAsync(daily) == beforeDaily,
            "the rebuilt analytics (v2) to answer as v1 did", Long);

        await using var postgres = NpgsqlDataSource.Create(fixture.PostgresConnectionString);
        async Task<bool> SchemaExistsAsync(int version)
        {
            await using var command = postgres.CreateCommand("select exists (select 1 from information_schema.schemata where schema_name = $1)");
            command.Parameters.AddWithValue(AnalyticsSchemaName.For(app.Settings.TablePrefix, version));
            return (bool)(await command.ExecuteScalarAsync())!;
        }

        Assert.True(await SchemaExistsAsync(2));
        await Probe.UntilAsync(async () => !await SchemaExistsAsync(1), "the v1 analytics schema to be dropped after the grace period", Long);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}
