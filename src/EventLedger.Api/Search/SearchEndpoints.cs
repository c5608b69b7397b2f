using System.Globalization;
using EventLedger.Api.ReadModels;
using EventLedger.Domain.Invoices;
using EventLedger.Projections.Contracts;
using EventLedger.Projections.Search;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace EventLedger.Api.Search;

/// <summary>
/// <c>GET /search</c>: the <c>invoice-search</c> read model (Marten on PostgreSQL) over HTTP. Reads the live version's
/// schema, so a rebuild's switch is seen at once. Bad parameters get a 400 naming each one at fault.
/// </summary>
public static class SearchEndpoints
{
    public static IEndpointRouteBuilder MapSearchEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/search", Search);
        return app;
    }

    private static async Task<Results<Ok<InvoiceSearchPage>, ValidationProblem, ProblemHttpResult>> Search(
        string? q, string? vendor, string? item, string? minQuantity, string? maxQuantity, string? country, string? currency,
        string? invoiceNumber, string? from, string? to, string? status, string? limit, string? cursor, string? minVersion, string? waitMs,
        IServiceProvider services, CancellationToken ct)
    {
        var (query, errors) = InvoiceSearchQuery.Parse(q, vendor, item, minQuantity, maxQuantity, country, currency, invoiceNumber,
            from, to, status, limit, cursor);
        var (min, wait) = ReadYourWritesParameters(invoiceNumber, minVersion, waitMs, errors);
        if (query is null || errors.Count > 0)
        {
            // The detail names every parameter at fault too, so a client that shows only the detail (the CLI) still says which.
            return TypedResults.ValidationProblem(errors, title: "The search is invalid",
                detail: string.Join("; ", errors.Select(e => $"{e.Key} {string.Join(", ", e.Value)}")));
        }

        if (services.GetService<InvoiceSearchStores>() is not { } stores) return Unavailable("Search not configured",
            "This process has no PostgreSQL connection (set EVENTLEDGER_POSTGRES or let the local stack start one).");

        var live = await services.GetRequiredService<IReadModelCatalog>().LiveTableAsync(InvoiceSearchProjection.ProjectionName, ct);
        var queries = new InvoiceSearchQueries(stores.For(live.Version));
        try
        {
            if (min is { } version && invoiceNumber is not null
                && !await services.GetRequiredService<ReadYourWrites>().WaitAsync(live, invoiceNumber, version,
                    e => InvoiceDecider.TransactionIdOf(e) is not null, c => queries.AppliedVersionAsync(invoiceNumber, c), wait, ct))
            {
                var applied = await queries.AppliedVersionAsync(invoiceNumber, ct);
                return TypedResults.Problem(
                    title: "Read model not caught up",
                    detail: $"{InvoiceSearchProjection.ProjectionName} has not applied version {version} of invoice '{invoiceNumber}' in time (it is at {applied}); retry shortly.",
                    statusCode: StatusCodes.Status503ServiceUnavailable,
                    extensions: new Dictionary<string, object?> { ["code"] = "not-caught-up", ["readModel"] = InvoiceSearchProjection.ProjectionName, ["minVersion"] = version });
            }

            return TypedResults.Ok(await queries.SearchAsync(query, ct));
        }
        catch (InvoiceSearchStoreUnavailableException e)
        {
            return Unavailable("Search store unavailable", e.Message);
        }
    }

    /// <summary>
    /// Read-your-writes: stream versions are per invoice, so <c>minVersion</c> comes with the <c>invoiceNumber</c> the command
    /// wrote to (which also filters the search); the search waits, bounded by <c>waitMs</c>, until that version is applied.
    /// </summary>
    private static (long? MinVersion, TimeSpan Wait) ReadYourWritesParameters(
        string? invoiceNumber, string? minVersion, string? waitMs, Dictionary<string, string[]> errors)
    {
        long? min = null;
        if (minVersion is not null)
        {
            if (!long.TryParse(minVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var v) || v < 1) errors["minVersion"] = ["must be a whole number, 1 or more"];
            else if (invoiceNumber is null) errors["invoiceNumber"] = ["is required with minVersion: stream versions are per invoice"];
            else min = v;
        }

        var wait = ReadYourWrites.DefaultWait;
        if (waitMs is not null)
        {
            if (!int.TryParse(waitMs, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) || ms > 30_000) errors["waitMs"] = ["must be 0-30000"];
            else wait = TimeSpan.FromMilliseconds(ms);
        }

        return (min, wait);
    }

    private static ProblemHttpResult Unavailable(string title, string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: title, detail: detail);
}
