using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventLedger.Cli.Demo;
using EventLedger.IntegrationTests.Fixtures;

namespace EventLedger.IntegrationTests.ProjectionHost;

/// <summary>The sample invoices through the real API, the stream and the projection host, and back out through the query API.</summary>
[Collection(StackCollection.Name)]
public sealed class SampleEndToEndTests(StackFixture stack) : IAsyncLifetime
{
    private TestApp _app = null!;
    private readonly Dictionary<string, long> _versions = [];
    private readonly SampleInvoices _sample = SampleInvoices.Load();

    public async Task InitializeAsync()
    {
        _app = await TestApp.StartAsync(stack, "e2e");
        foreach (var command in _sample.Commands)
        {
            using var response = await _app.Http.SendAsync(SampleInvoices.ToRequest(command));
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            _versions[body.GetProperty("invoiceNumber").GetString()!] = body.GetProperty("version").GetInt64();
        }
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private Task<JsonElement> Get(string path) => _app.Http.GetFromJsonAsync<JsonElement>(path);

    [Fact]
    public async Task Invoice_totals_match_the_sample()
    {
        foreach (var expected in _sample.Expected.GetProperty("invoice-totals").EnumerateArray())
        {
            var invoice = expected.GetProperty("invoiceNumber").GetString()!;
            var row = await Get($"/invoices/{invoice}?minVersion={_versions[invoice]}&waitMs=20000");
            Assert.Equal(expected.GetProperty("total").GetDecimal(), row.GetProperty("total").GetDecimal());
            Assert.Equal(expected.GetProperty("currency").GetString(), row.GetProperty("currency").GetString());
            Assert.Equal(expected.GetProperty("transactionCount").GetInt64(), row.GetProperty("transactionCount").GetInt64());
            Assert.Equal(_versions[invoice], row.GetProperty("version").GetInt64());
        }
    }

    [Fact]
    public async Task Country_counts_match_the_sample_including_the_verifier_rule()
    {
        foreach (var expected in _sample.Expected.GetProperty("country-counts").EnumerateArray())
        {
            var invoice = expected.GetProperty("invoiceNumber").GetString()!;
            var rows = await Get($"/invoices/{invoice}/countries?minVersion={_versions[invoice]}&waitMs=20000");
            var row = rows.EnumerateArray().Single(r => r.GetProperty("country").GetString() == expected.GetProperty("country").GetString());
            Assert.Equal(expected.GetProperty("verifier").ToString(), row.GetProperty("verifier").ToString());
            Assert.Equal(expected.GetProperty("transactionCount").GetInt64(), row.GetProperty("transactionCount").GetInt64());
            Assert.Equal(expected.GetProperty("verifiedTransactionCount").GetInt64(), row.GetProperty("verifiedTransactionCount").GetInt64());
        }
    }

    [Fact]
    public async Task Transactions_are_queried_by_prefix_and_history_lists_every_event_in_order()
    {
        var rows = await Get($"/invoices/1212121/transactions?prefix=Client1_&minVersion={_versions["1212121"]}&waitMs=20000");
        var expected = _sample.Expected.GetProperty("invoice-transactions 1212121 prefix Client1_").EnumerateArray().Select(e => e.GetString());
        Assert.Equal(expected, rows.EnumerateArray().Select(r => r.GetProperty("transactionId").GetString()));
        Assert.Equal("Vendor1 Inc", rows[0].GetProperty("document").GetProperty("Vendor Name").GetString());

        var history = await Get($"/invoices/1212121/history?minVersion={_versions["1212121"]}&waitMs=20000");
        Assert.Equal(Enumerable.Range(1, (int)_versions["1212121"]).Select(v => (long)v), history.EnumerateArray().Select(h => h.GetProperty("version").GetInt64()));
        Assert.Equal("VerifierAssigned", history[0].GetProperty("eventType").GetString());
    }

    [Fact]
    public async Task Analytics_match_the_sample()
    {
        var expected = _sample.Expected.GetProperty("analytics daily 2016-06-06 USD");
        JsonElement day = default;
        await Probe.UntilAsync(async () =>
        {
            var rows = await Get("/analytics/daily?from=2016-06-06&to=2016-06-06");
            day = rows.EnumerateArray().FirstOrDefault();
            return day.ValueKind == JsonValueKind.Object && day.GetProperty("transactionCount").GetInt64() >= 5;
        }, "analytics to count the sample's 5 transactions", TimeSpan.FromSeconds(30), () => day.ToString());
        Assert.Equal(expected.GetProperty("transactionCount").GetInt64(), day.GetProperty("transactionCount").GetInt64());
        Assert.Equal(expected.GetProperty("totalAmount").GetDecimal(), day.GetProperty("totalAmount").GetDecimal());
        Assert.Equal(expected.GetProperty("maxAmount").GetDecimal(), day.GetProperty("maxAmount").GetDecimal());

        var countries = await Get("/analytics/countries");
        Assert.Equal(1600m, countries.EnumerateArray().Single(c => c.GetProperty("country").GetString() == "USA").GetProperty("totalAmount").GetDecimal());
    }

    [Fact]
    public async Task Unknown_invoices_are_404_and_projections_report_their_progress()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _app.Http.GetAsync("/invoices/NOPE-1")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _app.Http.GetAsync("/invoices/NOPE-1/countries")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _app.Http.GetAsync("/invoices/1212121?minVersion=0")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await _app.Http.GetAsync("/analytics/daily?from=2016-6-6&to=2016-06-06")).StatusCode);

        var total = _versions.Values.Sum();
        JsonElement models = default;
        await Probe.UntilAsync(async () =>
        {
            models = await Get("/projections");
            return models.EnumerateArray().All(m => m.GetProperty("appliedCount").GetInt64() >= total);
        }, $"every read model to report {total} applied events", TimeSpan.FromSeconds(30), () => models.ToString());
        Assert.Equal(["invoice-totals", "country-counts", "invoice-transactions", "invoice-history", "analytics", "invoice-search"],
            models.EnumerateArray().Select(m => m.GetProperty("name").GetString()));
        Assert.All(models.EnumerateArray(), m =>
        {
            Assert.Equal(1, m.GetProperty("activeVersion").GetInt32());
            Assert.Equal(0, m.GetProperty("deadLetters").GetInt32());
            Assert.NotEmpty(m.GetProperty("versions")[0].GetProperty("shards").EnumerateArray());
        });
    }
}
