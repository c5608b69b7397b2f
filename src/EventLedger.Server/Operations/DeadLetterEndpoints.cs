using EventLedger.Api.OpenApi;
using EventLedger.ProjectionHost.Hosting;
using EventLedger.Streams.DeadLetters;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace EventLedger.Server.Operations;

/// <summary>
/// The dead-letter store for operators: list, retry (runs the read model's processor on the parked record; deleted on
/// success), discard. Served by a process that runs the projection host, since a retry needs the processor.
/// Ids are <c>subscription:shardId:sequenceNumber</c>.
/// </summary>
public static class DeadLetterEndpoints
{
    public static IEndpointRouteBuilder MapDeadLetterEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/dead-letters");
        group.MapGet("/", List)
            .Describe(EndpointTags.Operations, "List dead letters", "Records that kept failing, parked so that their shard moved on: where each was in the stream, the error, and the event it holds.")
            .Problem(StatusCodes.Status503ServiceUnavailable, NoHostDescription);
        group.MapPost("/{id}/retry", Retry)
            .Describe(EndpointTags.Operations, "Retry a dead letter", "Applies the record again with the read model's processor; removed when it succeeds, kept (with the new error) when not.")
            .Problem(StatusCodes.Status404NotFound, "No such dead letter.")
            .Problem(StatusCodes.Status503ServiceUnavailable, NoHostDescription);
        group.MapDelete("/{id}", Discard)
            .Describe(EndpointTags.Operations, "Discard a dead letter")
            .Problem(StatusCodes.Status404NotFound, "No such dead letter.")
            .Problem(StatusCodes.Status503ServiceUnavailable, NoHostDescription);
        return app;
    }

    private const string NoHostDescription = "This process does not run the projection host (`serve --role api`).";

    private static async Task<Results<Ok<DeadLetterPageResponse>, ProblemHttpResult>> List(
        string? subscription, int? pageSize, string? pageToken, IServiceProvider services, CancellationToken ct)
    {
        if (Store(services) is not { } store) return NoHost();
        var page = await store.ListAsync(subscription, Math.Clamp(pageSize ?? 50, 1, 500), pageToken, ct);
        return TypedResults.Ok(new DeadLetterPageResponse([.. page.Items.Select(ToResponse)], page.NextPageToken));
    }

    private static async Task<Results<Ok<DeadLetterRetryResponse>, NotFound<ProblemDetails>, ProblemHttpResult>> Retry(
        string id, IServiceProvider services, CancellationToken ct)
    {
        if (Store(services) is not { } store) return NoHost();
        if (!TryParse(id, out var deadLetterId) || await store.GetAsync(deadLetterId, ct) is null) return NotFound(id);
        var result = await store.RetryAsync(deadLetterId, ct);
        return TypedResults.Ok(new DeadLetterRetryResponse(id, result.Succeeded, result.Error));
    }

    private static async Task<Results<NoContent, NotFound<ProblemDetails>, ProblemHttpResult>> Discard(
        string id, IServiceProvider services, CancellationToken ct)
    {
        if (Store(services) is not { } store) return NoHost();
        return TryParse(id, out var deadLetterId) && await store.DiscardAsync(deadLetterId, ct) ? TypedResults.NoContent() : NotFound(id);
    }

    private static IDeadLetterStore? Store(IServiceProvider services) =>
        services.GetService<ProjectionHostService>() is { } host ? host.DeadLetters : null;

    private static bool TryParse(string id, out DeadLetterId deadLetterId)
    {
        try
        {
            deadLetterId = DeadLetterId.Parse(id);
            return true;
        }
        catch (FormatException)
        {
            deadLetterId = default;
            return false;
        }
    }

    private static DeadLetterResponse ToResponse(DeadLetter d) => new(
        d.Id.ToString(), d.Subscription, d.ShardId, d.SequenceNumber, d.Reason, d.ErrorType, d.ErrorMessage, d.Attempts, d.FirstFailureAt, d.LastFailureAt,
        d.Record.Dynamodb.NewImage is { } image && image.TryGetValue("StreamId", out var s) ? s.S : null,
        d.Record.Dynamodb.NewImage is { } image2 && image2.TryGetValue("Version", out var v) ? v.N : null,
        d.Record.Dynamodb.NewImage is { } image3 && image3.TryGetValue("EventType", out var t) ? t.S : null);

    private static NotFound<ProblemDetails> NotFound(string id) => TypedResults.NotFound(new ProblemDetails
    {
        Status = StatusCodes.Status404NotFound,
        Title = "No such dead letter",
        Detail = $"No dead letter '{id}' (ids are subscription:shardId:sequenceNumber, as listed by GET /dead-letters).",
    });

    private static ProblemHttpResult NoHost() => TypedResults.Problem(
        statusCode: StatusCodes.Status503ServiceUnavailable,
        title: "No projection host here",
        detail: "This process does not run the projection host (serve --role api); ask a process started with --role all or host.");
}

public sealed record DeadLetterPageResponse(IReadOnlyList<DeadLetterResponse> Items, string? NextPageToken);

/// <summary>A parked record: where it was in the stream, why it failed, and which event it holds.</summary>
public sealed record DeadLetterResponse(
    string Id, string Subscription, string ShardId, string SequenceNumber, string Reason, string? ErrorType, string? ErrorMessage,
    int Attempts, DateTimeOffset FirstFailureAt, DateTimeOffset LastFailureAt, string? InvoiceNumber, string? Version, string? EventType);

public sealed record DeadLetterRetryResponse(string Id, bool Succeeded, string? Error);
