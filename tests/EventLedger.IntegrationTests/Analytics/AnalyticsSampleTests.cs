using EventLedger.IntegrationTests.Fixtures;
using EventLedger.Projections.Analytics;
using EventLedger.Projections.Contracts;

namespace EventLedger.IntegrationTests.Analytics;

[Collection(StackCollection.Name)]
public sealed class AnalyticsSampleTests(StackFixture fixture) : AnalyticsTestBase(fixture)
{
    private static readonly DateOnly June6 = new(2016, 6, 6);

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var (events, _) = SampleInvoices.Load();
        await new AnalyticsProjection(Store).ApplyAsync(new ProjectionBatch(events, null), CancellationToken.None);
    }

    [Fact]
    public async Task Sample_daily_2016_06_06_USD_matches_the_expected_count_total_and_max()
    {
        var expected = SampleInvoices.Load().Expected.GetProperty("analytics daily 2016-06-06 USD");

        var daily = await new AnalyticsQueries(Store).DailyAsync(June6, June6);

        var row = Assert.Single(daily);
        Assert.Equal(new DailyAnalytics(June6, "USD", 5, 2300m, 1000m), row);
        Assert.Equal(expected.GetProperty("transactionCount").GetInt64(), row.TransactionCount);
        Assert.Equal(expected.GetProperty("totalAmount").GetDecimal(), row.TotalAmount);
        Assert.Equal(expected.GetProperty("maxAmount").GetDecimal(), row.MaxAmount);
        Assert.Equal("2300", row.TotalAmount.ToString(System.Globalization.CultureInfo.InvariantCulture)); // no numeric(28,4) trailing zeros
    }

    [Fact]
    public async Task Sample_countries_breakdown()
    {
        var countries = await new AnalyticsQueries(Store).CountriesAsync();

        Assert.Equal(
            [
                new CountryAnalytics("China", "USD", 1, 500m),
                new CountryAnalytics("UK", "USD", 1, 200m),
                new CountryAnalytics("USA", "USD", 3, 1600m),
            ],
            countries);
    }

    [Fact]
    public async Task Sample_invoice_totals_agree_with_the_invoice_totals_read_model()
    {
        var expected = SampleInvoices.Load().Expected.GetProperty("invoice-totals").EnumerateArray()
            .Select(e => (e.GetProperty("invoiceNumber").GetString()!, e.GetProperty("currency").GetString(),
                e.GetProperty("total").GetDecimal(), e.GetProperty("transactionCount").GetInt64()))
            .ToList();

        var invoices = await new AnalyticsQueries(Store).InvoicesAsync();

        Assert.Equal(expected, invoices.Select(i => (i.InvoiceNumber, i.Currency, i.Total, i.TransactionCount)));
        Assert.Equal([4L, 2L, 1L], invoices.Select(i => i.Version)); // verifier events count as applied versions
        Assert.Equal(4, await new AnalyticsQueries(Store).AppliedVersionAsync("1212121"));
        Assert.Equal(0, await new AnalyticsQueries(Store).AppliedVersionAsync("no-such-invoice"));
        Assert.Null(await new AnalyticsQueries(Store).InvoiceAsync("no-such-invoice"));
    }

    [Fact]
    public async Task Sample_daily_run_rate_averages_over_every_day_of_the_range()
    {
        var rates = await new AnalyticsQueries(Store).DailyRunRateAsync(new DateOnly(2016, 6, 1), new DateOnly(2016, 6, 7));

        var usd = Assert.Single(rates);
        Assert.Equal(new DailyRunRate("USD", new DateOnly(2016, 6, 1), new DateOnly(2016, 6, 7), 7, 5, 2300m, 328.5714m), usd);
    }

    [Fact]
    public async Task Daily_outside_the_range_is_empty_and_a_reversed_range_is_rejected()
    {
        var queries = new AnalyticsQueries(Store);

        Assert.Empty(await queries.DailyAsync(June6.AddDays(1), June6.AddDays(30)));
        await Assert.ThrowsAsync<ArgumentException>(() => queries.DailyAsync(June6, June6.AddDays(-1)));
    }
}
