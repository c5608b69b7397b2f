using System.Globalization;
using EventLedger.Projections.Analytics;
using EventLedger.Projections.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace EventLedger.Api.Analytics;

/// <summary>
/// The analytics read model (PostgreSQL) over HTTP: live transactions at their current amounts, by invoice date and
/// currency, and by country and currency. Reads the live version's schema, so a rebuild's switch is seen at once.
/// </summary>
public static class AnalyticsEndpoints
{
    public static IEndpointRouteBuilder MapAnalyticsEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/analytics");
        group.MapGet("/daily", Daily);
        group.MapGet("/countries", Countries);
        return app;
    }

    private static async Task<Results<Ok<IReadOnlyList<DailyAnalytics>>, ValidationProblem, ProblemHttpResult>> Daily(
        string? from, string? to, IServiceProvider services, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        var fromDate = ParseDate(from, "from", errors);
        var toDate = ParseDate(to, "to", errors);
        if (errors.Count == 0 && fromDate > toDate) errors["to"] = ["must not be before 'from'"];
        if (errors.Count == 0 && toDate.DayNumber - fromDate.DayNumber > 3660) errors["to"] = ["the range may span at most 3660 days"];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The request is invalid");
        if (await QueriesAsync(services, ct) is not { } queries) return Unavailable();
        return TypedResults.Ok(await queries.DailyAsync(fromDate, toDate, ct));
    }

    private static async Task<Results<Ok<IReadOnlyList<CountryAnalytics>>, ProblemHttpResult>> Countries(IServiceProvider services, CancellationToken ct)
    {
        if (await QueriesAsync(services, ct) is not { } queries) return Unavailable();
        return TypedResults.Ok(await queries.CountriesAsync(ct));
    }

    private static async Task<AnalyticsQueries?> QueriesAsync(IServiceProvider services, CancellationToken ct)
    {
        if (services.GetService<AnalyticsStores>() is not { } stores)
        {
            return null;
        }

        var live = await services.GetRequiredService<IReadModelCatalog>().LiveTableAsync(AnalyticsProjection.ProjectionName, ct);
        return new AnalyticsQueries(stores.For(live.Version));
    }

    private static DateOnly ParseDate(string? text, string name, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(text))
        {
            errors[name] = ["is required, as yyyy-MM-dd"];
            return default;
        }

        if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            errors[name] = [$"must be a date as yyyy-MM-dd, not '{text}'"];
        }

        return date;
    }

    private static ProblemHttpResult Unavailable() => TypedResults.Problem(
        statusCode: StatusCodes.Status503ServiceUnavailable,
        title: "Analytics not configured",
        detail: "This process has no PostgreSQL connection (set EVENTLEDGER_POSTGRES or let the local stack start one).");
}
