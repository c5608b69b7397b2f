using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EventLedger.IntegrationTests.Fixtures;

namespace EventLedger.IntegrationTests.Api;

/// <summary><c>GET /analytics/daily</c>: without <c>from</c>/<c>to</c> over all invoice dates, with either bound open, and a given range still validated.</summary>
[Collection(StackCollection.Name)]
public sealed class DailyAnalyticsRangeTests(StackFixture fixture)
{
    [Fact]
    public async Task Daily_totals_cover_all_dates_without_a_range_and_either_bound_may_be_left_out()
    {
        await using var app = await TestApp.StartAsync(fixture, "daily-range");
        // Twenty-nine years apart: more than the 3,660 days a range was once capped at.
        string[] days = ["2001-02-03", "2016-06-06", "2030-12-31"];
        long version = 0;
        for (var i = 0; i < days.Length; i++)
        {
            var body = $$"""{"transactionId":"t{{i}}","amount":{{i + 1}},"currency":"SEK","country":"Sweden","invoiceDate":"{{days[i]}}"}""";
            using var response = await app.Http.PostAsync("/invoices/RANGE-1/transactions", new StringContent(body, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            version = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt64();
        }

        var ryw = $"invoiceNumber=RANGE-1&minVersion={version}&waitMs=20000";
        Assert.Equal(days, await DaysAsync(app, $"/analytics/daily?{ryw}"));
        Assert.Equal(days[1..], await DaysAsync(app, $"/analytics/daily?from=2016-06-06&{ryw}"));
        Assert.Equal(days[..2], await DaysAsync(app, $"/analytics/daily?to=2016-06-06&{ryw}"));
        Assert.Equal(days, await DaysAsync(app, $"/analytics/daily?from=2001-01-01&to=2030-12-31&{ryw}"));

        // A range that is given is still checked, and each wrong bound is named.
        await AssertInvalidAsync(app, "/analytics/daily?from=2016-06-07&to=2016-06-06", "to");
        await AssertInvalidAsync(app, "/analytics/daily?from=06/06/2016", "from");
        await AssertInvalidAsync(app, "/analytics/daily?to=", "to");
    }

    private static async Task<string[]> DaysAsync(TestApp app, string url)
    {
        var rows = await app.Http.GetFromJsonAsync<JsonElement>(url);
        return [.. rows.EnumerateArray().Where(r => r.GetProperty("currency").GetString() == "SEK").Select(r => r.GetProperty("day").GetString()!)];
    }

    private static async Task AssertInvalidAsync(TestApp app, string url, string field)
    {
        using var response = await app.Http.GetAsync(url);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out _), $"{url}: expected an error for '{field}', got {errors}");
    }
}
