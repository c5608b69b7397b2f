using System.ComponentModel;
using System.Globalization;
using EventLedger.Api.OpenApi;
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
        app.MapGet("/search", Search)
            .Describe(EndpointTags.Search, "Search the invoices' transactions",
                "Transactions of the live (or, with `status`, voided) invoices matching every filter given: full text over the transaction " +
                "id and the invoice document (`q`, ranked by `score`), vendor name, an item line with a quantity range, and exact fields. " +
                "Pages of `limit`; `next` is the cursor of the following page (null on the last).")
            .Problem(StatusCodes.Status503ServiceUnavailable,
                "invoice-search has not applied `minVersion` of `invoiceNumber` within `waitMs` (code `not-caught-up`), or this process has no PostgreSQL connection.");
        return app;
    }

    private static async Task<Results<Ok<InvoiceSearchPage>, ValidationProblem, ProblemHttpResult>> Search(
        [Description("Full text in web-search syntax: words (all must match), \"a phrase\", -excluded, or; over the transaction id and the document's keys and values.")] string? q,
        [Description("The vendor name (`Vendor Name`, `vendorName` or `vendor` in the document) contains this, in any case; e.g. 1 finds \"Vendor1 Inc\".")] string? vendor,
        [Description("An item line (`ItemsDesc` or `items` in the document) with this name, in any case, e.g. printer.")] string? item,
        [Description("With `item`: that line's quantity is at least this (a whole number).")] string? minQuantity,
        [Description("With `item`: that line's quantity is at most this (a whole number).")] string? maxQuantity,
        [Description("The transaction's country, exactly (e.g. USA).")] string? country,
        [Description("The invoice's currency, ISO 4217 (e.g. USD).")] string? currency,
        [Description("Only this invoice's transactions; required with `minVersion` (stream versions are per invoice).")] string? invoiceNumber,
        string? from, string? to,
        [Description("`live` (default), `voided` or `all`.")] string? status,
        [Description("Results per page, 1-500 (default 50).")] string? limit,
        [Description("The `next` of the previous page, with the same filters.")] string? cursor,
        string? minVersion, string? waitMs,
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
