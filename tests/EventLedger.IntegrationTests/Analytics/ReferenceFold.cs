using EventLedger.Domain.Invoices;
using EventLedger.EventStore.Events;
using EventLedger.Projections.Analytics;

namespace EventLedger.IntegrationTests.Analytics;

/// <summary>What every query returns, in one value.</summary>
public sealed record AnalyticsView(
    IReadOnlyList<DailyAnalytics> Daily,
    IReadOnlyList<CountryAnalytics> Countries,
    IReadOnlyList<DailyRunRate> RunRates,
    IReadOnlyList<InvoiceAnalytics> Invoices)
{
    public static readonly DateOnly RunRateFrom = new(2016, 6, 1);
    public static readonly DateOnly RunRateTo = new(2016, 6, 30);

    /// <summary>Element-wise record equality (decimal equality ignores scale: 2300 = 2300.0000).</summary>
    public static void AssertEqual(AnalyticsView expected, AnalyticsView actual)
    {
        Assert.Equal(expected.Daily, actual.Daily);
        Assert.Equal(expected.Countries, actual.Countries);
        Assert.Equal(expected.RunRates, actual.RunRates);
        Assert.Equal(expected.Invoices, actual.Invoices);
    }
}

/// <summary>The analytics computed independently of the projection: replay the events into a dictionary, then LINQ.</summary>
internal static class ReferenceFold
{
    public static AnalyticsView View(IReadOnlyList<StoredEvent> events)
    {
        var live = RandomWorkload.LiveTransactions(events);

        var daily = live
            .GroupBy(t => (t.Day, t.Currency))
            .OrderBy(g => g.Key.Day).ThenBy(g => g.Key.Currency, StringComparer.Ordinal)
            .Select(g => new DailyAnalytics(g.Key.Day, g.Key.Currency, g.Count(), g.Sum(t => t.Amount), g.Max(t => t.Amount)))
            .ToList();

        var countries = live
            .GroupBy(t => (t.Country, t.Currency))
            .OrderBy(g => g.Key.Country, StringComparer.Ordinal).ThenBy(g => g.Key.Currency, StringComparer.Ordinal)
            .Select(g => new CountryAnalytics(g.Key.Country, g.Key.Currency, g.Count(), g.Sum(t => t.Amount)))
            .ToList();

        var days = AnalyticsView.RunRateTo.DayNumber - AnalyticsView.RunRateFrom.DayNumber + 1;
        var runRates = live
            .Where(t => t.Day >= AnalyticsView.RunRateFrom && t.Day <= AnalyticsView.RunRateTo)
            .GroupBy(t => t.Currency)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new DailyRunRate(g.Key, AnalyticsView.RunRateFrom, AnalyticsView.RunRateTo, days, g.Count(),
                g.Sum(t => t.Amount), Math.Round(g.Sum(t => t.Amount) / days, 4, MidpointRounding.AwayFromZero)))
            .ToList();

        var invoices = events
            .GroupBy(e => e.StreamId)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var mine = live.Where(t => t.Invoice == g.Key).ToList();
                var currency = g.Select(e => e.Data switch
                {
                    TransactionRecorded r => r.Currency,
                    _ => null,
                }).FirstOrDefault(c => c is not null);
                return new InvoiceAnalytics(g.Key, currency, mine.Sum(t => t.Amount), mine.Count, g.Max(e => e.Version));
            })
            .ToList();

        return new AnalyticsView(daily, countries, runRates, invoices);
    }
}
