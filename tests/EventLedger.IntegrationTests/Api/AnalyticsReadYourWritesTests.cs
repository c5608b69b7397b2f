using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EventLedger.IntegrationTests.Fixtures;

namespace EventLedger.IntegrationTests.Api;

/// <summary><c>minVersion</c> on the analytics endpoints: with the invoice the command wrote to, bounded, problem details otherwise.</summary>
[Collection(StackCollection.Name)]
public sealed class AnalyticsReadYourWritesTests(StackFixture fixture)
{
    [Fact]
    public async Task Analytics_queries_wait_for_the_version_a_command_returned()
    {
        await using var app = await TestApp.StartAsync(fixture, "ryw-analytics");
        long version = 0;
        for (var t = 0; t < 3; t++)
        {
            var body = $$"""{"transactionId":"t{{t}}","amount":{{10 + t}},"currency":"NOK","country":"NO","invoiceDate":"2019-03-0{{1 + t}}"}""";
            var response = await app.Http.PostAsync("/invoices/RYW-1/transactions", new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            version = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt64();
        }

        // Straight after the command: the answer already holds all three (no polling by the caller).
        var countries = await app.Http.GetFromJsonAsync<JsonElement>($"/analytics/countries?invoiceNumber=RYW-1&minVersion={version}&waitMs=20000");
        var norway = countries.EnumerateArray().Single(c => c.GetProperty("country").GetString() == "NO");
        Assert.Equal(3, norway.GetProperty("transactionCount").GetInt64());
        var daily = await app.Http.GetFromJsonAsync<JsonElement>($"/analytics/daily?from=2019-03-01&to=2019-03-31&invoiceNumber=RYW-1&minVersion={version}");
        Assert.Equal(3, daily.EnumerateArray().Count(d => d.GetProperty("currency").GetString() == "NOK"));

        // A version that does not exist yet: 503 with a problem saying how far analytics is.
        var late = await app.Http.GetAsync($"/analytics/countries?invoiceNumber=RYW-1&minVersion={version + 5}&waitMs=200");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, late.StatusCode);
        var problem = await late.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("not-caught-up", problem.GetProperty("code").GetString());
        Assert.Contains($"it is at {version}", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);

        // minVersion means nothing without the invoice it belongs to.
        var bad = await app.Http.GetAsync("/analytics/countries?minVersion=3&waitMs=99999");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("invoiceNumber", out _));
        Assert.True(errors.TryGetProperty("waitMs", out _));
    }
}
