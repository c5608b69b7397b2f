using System.Globalization;
using EventLedger.Api.OpenApi;
using EventLedger.Api.ReadModels;
using EventLedger.Domain.Invoices;
using EventLedger.Projections.Analytics;
using EventLedger.Projections.Common;
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
        group.MapGet("/daily", Daily)
            .Describe(EndpointTags.Analytics, "Totals by invoice date and currency",
                "Live transactions at their current amounts: count, total and largest amount per invoice date and currency, over all " +
                "invoice dates or those from `from` to `to` (either may be left out).")
            .AnalyticsProblems();
        group.MapGet("/countries", Countries)
            .Describe(EndpointTags.Analytics, "Totals by country and currency", "Live transactions at their current amounts: count and total per country and currency.")
            .AnalyticsProblems();
        return app;
    }

    private static RouteHandlerBuilder AnalyticsProblems(this RouteHandlerBuilder query) => query.Problem(StatusCodes.Status503ServiceUnavailable,
        "Analytics has not applied `minVersion` of `invoiceNumber` within `waitMs` (code `not-caught-up`), or this process has no PostgreSQL connection.");

    private static async Task<Results<Ok<IReadOnlyList<DailyAnalytics>>, ValidationProblem, ProblemHttpResult>> Daily(
        string? from, string? to, string? invoiceNumber, long? minVersion, int? waitMs, IServiceProvider services, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        // Either bound may be left out (open); the answer has at most one row per invoice date and currency, so even all
        // data is bounded by what the ledger holds, and no cap on the range is needed.
        var fromDate = ParseDate(from, "from", errors);
        var toDate = ParseDate(to, "to", errors);
        if (errors.Count == 0 && fromDate > toDate) errors["to"] = ["must not be before 'from'"];
        ValidateReadYourWrites(invoiceNumber, minVersion, waitMs, errors);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The request is invalid");
        if (await QueriesAsync(services, ct) is not var (queries, live)) return Unavailable();
        if (await NotCaughtUpAsync(queries, live, invoiceNumber, minVersion, waitMs, services, ct) is { } late) return late;
        return TypedResults.Ok(await queries.DailyAsync(fromDate, toDate, ct));
    }

    private static async Task<Results<Ok<IReadOnlyList<CountryAnalytics>>, ValidationProblem, ProblemHttpResult>> Countries(
        string? invoiceNumber, long? minVersion, int? waitMs, IServiceProvider services, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>();
        ValidateReadYourWrites(invoiceNumber, minVersion, waitMs, errors);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The request is invalid");
        if (await QueriesAsync(services, ct) is not var (queries, live)) return Unavailable();
        if (await NotCaughtUpAsync(queries, live, invoiceNumber, minVersion, waitMs, services, ct) is { } late) return late;
        return TypedResults.Ok(await queries.CountriesAsync(ct));
    }

    /// <summary>
    /// Read-your-writes for aggregates: stream versions are per invoice, so <c>minVersion</c> comes with the
    /// <c>invoiceNumber</c> the command wrote to; the query waits (bounded by <c>waitMs</c>) until analytics has applied it.
    /// </summary>
    private static void ValidateReadYourWrites(string? invoiceNumber, long? minVersion, int? waitMs, Dictionary<string, string[]> errors)
    {
        if (minVersion is not null && string.IsNullOrEmpty(invoiceNumber))
        {
            errors["invoiceNumber"] = ["is required with minVersion: stream versions are per invoice"];
        }
        else if (invoiceNumber is not null && !InvoiceRules.IsValidInvoiceNumber(invoiceNumber))
        {
            errors["invoiceNumber"] = ["is not a valid invoice number"];
        }

        ReadYourWritesParameters.Validate(minVersion, waitMs, errors);
    }

    private static async Task<ProblemHttpResult?> NotCaughtUpAsync(
        AnalyticsQueries queries, ReadModelTable live, string? invoiceNumber, long? minVersion, int? waitMs, IServiceProvider services, CancellationToken ct)
    {
        if (minVersion is not { } min || invoiceNumber is null) return null;
        var timeout = ReadYourWritesParameters.Wait(waitMs);
        if (await services.GetRequiredService<ReadYourWrites>().WaitAsync(live, invoiceNumber, min, _ => true,
                c => queries.AppliedVersionAsync(invoiceNumber, c), timeout, ct))
        {
            return null;
        }

        return ReadYourWritesParameters.NotCaughtUp(AnalyticsProjection.ProjectionName, invoiceNumber, min, await queries.AppliedVersionAsync(invoiceNumber, ct));
    }

    private static async Task<(AnalyticsQueries Queries, ReadModelTable Live)?> QueriesAsync(IServiceProvider services, CancellationToken ct)
    {
        if (services.GetService<AnalyticsStores>() is not { } stores)
        {
            return null;
        }

        var live = await services.GetRequiredService<IReadModelCatalog>().LiveTableAsync(AnalyticsProjection.ProjectionName, ct);
        return (new AnalyticsQueries(stores.For(live.Version)), live);
    }

    /// <summary>The date, or null when the parameter is absent (an open bound) or invalid (then with an error).</summary>
    private static DateOnly? ParseDate(string? text, string name, Dictionary<string, string[]> errors)
    {
        if (text is null)
        {
            return null;
        }

        if (!DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
        {
            errors[name] = [$"must be a date as yyyy-MM-dd, not '{text}'"];
            return null;
        }

        return date;
    }

    private static ProblemHttpResult Unavailable() => TypedResults.Problem(
        statusCode: StatusCodes.Status503ServiceUnavailable,
        title: "Analytics not configured",
        detail: "This process has no PostgreSQL connection (set EVENTLEDGER_POSTGRES or let the local stack start one).");
}
