using EventLedger.Api.OpenApi;
using EventLedger.Archive.Configuration;
using EventLedger.Archive.Query;
using EventLedger.Archive.Verification;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace EventLedger.Server.Operations;

/// <summary>
/// The archive over HTTP: <c>GET /archive/status</c> verifies it (the report says whether it is complete and lists what is
/// not), <c>POST /archive/query</c> runs ad hoc SQL over the view <c>events</c>, and <c>POST /projections/archive/rebuild</c>
/// is refused with a reason (the archive is not a read model to rebuild). 404 when no archive is configured. The query is
/// a query (mapped under <c>ledger.read</c>), the rest operations (<c>ledger.operate</c>; ADR 0010).
/// </summary>
public static class ArchiveEndpoints
{
    /// <summary>Most rows <c>POST /archive/query</c> returns unless the request asks for fewer.</summary>
    public const int MaxQueryRows = 10_000;

    /// <summary>The operator's routes: verification, and the refused rebuild.</summary>
    public static IEndpointRouteBuilder MapArchiveEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/archive/status", Status)
            .Describe(EndpointTags.Archive, "Verify the archive",
                "Checks that every (stream, version) of the event store up to the archive's checkpoint is in the archive exactly once and that no " +
                "object is missing or altered (SHA-256 per object in the manifest). The report lists what is missing; `complete` says whether it passed.")
            .Problem(StatusCodes.Status404NotFound, "No archive is configured.");
        // A literal segment wins over /projections/{name}/rebuild. Not a route of its own for clients: the document
        // describes this 409 under POST /projections/{name}/rebuild.
        app.MapPost("/projections/archive/rebuild", RefuseRebuild).ExcludeFromDescription();
        return app;
    }

    /// <summary>The reader's route: ad hoc SQL over the archive.</summary>
    public static IEndpointRouteBuilder MapArchiveQueryEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/archive/query", Query)
            .Describe(EndpointTags.Archive, "Ad hoc SQL over the archive",
                "Runs the SQL with DuckDB over the view `events` (one row per archived event; schema in the README), S3 objects fetched into a local " +
                "cache first. At most `maxRows` rows (default and ceiling 10,000); `truncated` says whether more matched.")
            .Produces<ArchiveQueryResponse>(StatusCodes.Status200OK)
            .Problem(StatusCodes.Status400BadRequest, "`sql` is missing, `maxRows` is out of range, or the query failed (the message says why).")
            .Problem(StatusCodes.Status404NotFound, "No archive is configured.");
        return app;
    }

    private static async Task<Results<Ok<ArchiveVerificationReport>, ProblemHttpResult>> Status(IServiceProvider services, CancellationToken ct)
    {
        if (services.GetService<ArchiveVerifier>() is not { } verifier) return NoArchive();
        return TypedResults.Ok(await verifier.VerifyAsync(ct));
    }

    private static async Task<IResult> Query(ArchiveQueryRequest? request, IServiceProvider services, CancellationToken ct)
    {
        if (services.GetService<ArchiveQueryEngine>() is not { } engine) return NoArchive();
        if (request is null || string.IsNullOrWhiteSpace(request.Sql))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["sql"] = ["is required, e.g. SELECT count(*) FROM events"] });
        }

        if (request.MaxRows is < 1 or > MaxQueryRows)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["maxRows"] = [$"must be 1–{MaxQueryRows}"] });
        }

        try
        {
            var result = await engine.RunAsync(request.Sql, request.MaxRows ?? MaxQueryRows, ct);
            return TypedResults.Text(QueryResultFormat.ToResponseJson(result), "application/json");
        }
        catch (ArchiveQueryException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest, title: "The query failed");
        }
    }

    private static ProblemHttpResult RefuseRebuild() => TypedResults.Problem(
        "The archive is not a read model: it stores every event once, as it arrives, for seven years. A rebuild would store every " +
        "event again. To check it, GET /archive/status (archive verify); to rebuild a read model from it, " +
        "POST /projections/{name}/rebuild?source=archive.",
        statusCode: StatusCodes.Status409Conflict,
        title: "The archive is not rebuilt");

    private static ProblemHttpResult NoArchive() => TypedResults.Problem(
        "No archive is configured: set Archive__Directory (a local directory) or Archive__Bucket (S3, with Archive__ServiceUrl for an S3-compatible endpoint).",
        statusCode: StatusCodes.Status404NotFound,
        title: "No archive");
}

/// <summary>Body of <c>POST /archive/query</c>.</summary>
/// <param name="Sql">One SQL statement over the view <c>events</c> (DuckDB's dialect).</param>
/// <param name="MaxRows">At most this many rows (default and limit <see cref="ArchiveEndpoints.MaxQueryRows"/>).</param>
public sealed record ArchiveQueryRequest(string? Sql, int? MaxRows);

/// <summary>The answer of <c>POST /archive/query</c> (written by <c>QueryResultFormat.ToResponseJson</c>): the columns, one object per row keyed by column name.</summary>
public sealed record ArchiveQueryResponse(IReadOnlyList<ArchiveQueryColumn> Columns, IReadOnlyList<IReadOnlyDictionary<string, object?>> Rows, bool Truncated, int Objects);
