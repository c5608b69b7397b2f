using System.Net.Http.Json;
using System.Text.Json;
using EventLedger.IntegrationTests.Analytics;
using EventLedger.IntegrationTests.Fixtures;

namespace EventLedger.IntegrationTests.ProjectionHost;

/// <summary>PostgreSQL stops and restarts mid-stream under a running host (a private server the test can stop).</summary>
[Collection(StackCollection.Name)]
public sealed class PostgresOutageTests(StackFixture stack)
{
    private static async Task<long> Record(HttpClient http, int i)
    {
        using var response = await http.PostAsJsonAsync("/invoices/PGR-1/transactions",
            new { transactionId = $"t{i}", amount = i, currency = "USD", country = "USA", invoiceDate = "2030-01-01" });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt64();
    }

    private static async Task<(long Count, decimal Total)> Analytics(HttpClient http)
    {
        using var response = await http.GetAsync("/analytics/daily?from=2030-01-01&to=2030-01-01");
        if (!response.IsSuccessStatusCode) return (-1, -1);
        var rows = await response.Content.ReadFromJsonAsync<JsonElement>();
        return rows.GetArrayLength() == 0 ? (0, 0) : (rows[0].GetProperty("transactionCount").GetInt64(), rows[0].GetProperty("totalAmount").GetDecimal());
    }

    [Fact]
    public async Task Analytics_pauses_while_postgres_is_down_and_resumes_with_nothing_lost_or_doubled_while_dynamodb_read_models_keep_flowing()
    {
        await using var postgres = await PrivatePostgres.StartAsync();
        await using var app = await TestApp.StartAsync(stack, "pgdown", postgresConnectionString: postgres.ConnectionString);
        for (var i = 1; i <= 10; i++) await Record(app.Http, i);
        await Probe.UntilAsync(async () => (await Analytics(app.Http)).Count == 10, "analytics to apply the first 10 transactions");

        await postgres.StopServerAsync();
        long version = 0;
        for (var i = 11; i <= 20; i++) version = await Record(app.Http, i);

        // The DynamoDB read models do not wait for PostgreSQL.
        var totals = await app.Http.GetFromJsonAsync<JsonElement>($"/invoices/PGR-1?minVersion={version}&waitMs=20000");
        Assert.Equal(210m, totals.GetProperty("total").GetDecimal());

        // Nothing is parked for an outage: the analytics subscription pauses on the same batch.
        var parked = await app.Http.GetFromJsonAsync<JsonElement>("/dead-letters");
        Assert.Equal(0, parked.GetProperty("items").GetArrayLength());

        await postgres.StartServerAsync();
        (long Count, decimal Total) analytics = default;
        await Probe.UntilAsync(async () => (analytics = await Analytics(app.Http)).Count >= 20, "analytics to catch up after the restart",
            TimeSpan.FromSeconds(60), () => analytics.ToString());
        Assert.Equal((20L, 210m), analytics);
        Assert.Equal(0, (await app.Http.GetFromJsonAsync<JsonElement>("/dead-letters")).GetProperty("items").GetArrayLength());
    }
}
