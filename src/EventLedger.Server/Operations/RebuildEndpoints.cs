using EventLedger.Api.OpenApi;
using EventLedger.ProjectionHost.Hosting;
using EventLedger.ProjectionHost.Rebuilds;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace EventLedger.Server.Operations;

/// <summary>
/// <c>POST /projections/{name}/rebuild</c> (202; 409 if one runs; 404 unknown), <c>GET</c> the same path for progress,
/// <c>DELETE</c> it (or <c>POST …/rebuild/cancel</c>) to cancel.
/// </summary>
public static class RebuildEndpoints
{
    public static IEndpointRouteBuilder MapRebuildEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/projections/{name}/rebuild", Start)
            .Describe(EndpointTags.Operations, "Start (or resume) a rebuild",
                "Builds the read model's next version beside the live one from the event store (or, with `source=archive`, from the archive and then " +
                "the event store after the archive's position), then switches readers to it once it has caught up. `Location` is where to watch it.")
            .Produces<RebuildStatusResponse>(StatusCodes.Status202Accepted)
            .Problem(StatusCodes.Status400BadRequest, "`source` is neither `event-store` nor `archive`.")
            .Problem(StatusCodes.Status404NotFound, "No read model has this name.")
            .Problem(StatusCodes.Status409Conflict,
                "A rebuild of this read model is already running; the source cannot serve a rebuild now (e.g. the archive is empty); or the name is " +
                "a reaction's or the archive's, which are never rebuilt (a reaction would send every message again: redeliver with " +
                "`POST /reactions/{name}/redeliveries`; the archive keeps every event once: `GET /archive/status` verifies it).")
            .Problem(StatusCodes.Status503ServiceUnavailable, NoHostDescription);
        app.MapGet("/projections/{name}/rebuild", Get)
            .Describe(EndpointTags.Operations, "The latest rebuild's progress", "State (running, completed, failed, cancelled), phase, events done of the total, times and error.")
            .Produces<RebuildStatusResponse>()
            .Problem(StatusCodes.Status404NotFound, "No read model has this name, or it was never rebuilt.");
        app.MapDelete("/projections/{name}/rebuild", Cancel)
            .Describe(EndpointTags.Operations, "Cancel a running rebuild", "Progress is kept: starting the rebuild again resumes it.")
            .CancelResponses();
        app.MapPost("/projections/{name}/rebuild/cancel", Cancel)
            .Describe(EndpointTags.Operations, "Cancel a running rebuild (for clients that cannot send DELETE)", "Progress is kept: starting the rebuild again resumes it.")
            .CancelResponses();
        return app;
    }

    private const string NoHostDescription = "This process does not run the projection host (`serve --role api`).";

    private static RouteHandlerBuilder CancelResponses(this RouteHandlerBuilder cancel) => cancel
        .Produces<RebuildStatusResponse>(StatusCodes.Status202Accepted)
        .Problem(StatusCodes.Status404NotFound, "No read model has this name, or no rebuild of it runs here.")
        .Problem(StatusCodes.Status503ServiceUnavailable, NoHostDescription);

    private static async Task<IResult> Start(string name, bool? restart, string? source, IServiceProvider services, ReadModelVersionRegistry registry, CancellationToken ct)
    {
        if (Hosted(services, name) is not { } hosted) return UnknownReadModel(name);
        // Refused here as well as by the engine, so that a server without the projection host answers 409, not 503.
        if (hosted.NotRebuiltBecause is { } reason) return NotRebuilt(reason);
        if (services.GetService<RebuildEngine>() is not { } engine)
        {
            return TypedResults.Problem("This server does not run the projection host; start the rebuild on one that does.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        try
        {
            var record = await engine.StartRebuildAsync(name, restart ?? false, ct, source);
            var live = (await registry.GetPointerAsync(name, ct)).LiveVersion;
            return TypedResults.Accepted($"/projections/{name}/rebuild", RebuildStatusResponse.From(record, live));
        }
        catch (NotRebuildableException ex)
        {
            return NotRebuilt(ex.Message);
        }
        catch (RebuildConflictException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict, title: "A rebuild is already running");
        }
        catch (ArgumentException ex) when (ex.ParamName == "name")
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["source"] = [ex.Message] });
        }
        catch (ReplaySourceUnavailableException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict, title: $"The {source} cannot serve a rebuild now");
        }
    }

    private static async Task<IResult> Get(string name, IServiceProvider services, ReadModelVersionRegistry registry, CancellationToken ct)
    {
        if (!Known(services, name)) return UnknownReadModel(name);
        var status = await StatusAsync(registry, name, ct);
        return status is null
            ? TypedResults.Problem($"Read model '{name}' has never been rebuilt.", statusCode: StatusCodes.Status404NotFound)
            : TypedResults.Ok(status);
    }

    private static async Task<IResult> Cancel(string name, IServiceProvider services, ReadModelVersionRegistry registry, CancellationToken ct)
    {
        if (!Known(services, name)) return UnknownReadModel(name);
        if (services.GetService<RebuildEngine>() is not { } engine)
        {
            return TypedResults.Problem("This server does not run the projection host.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        if (!await engine.CancelAsync(name, ct))
        {
            return TypedResults.Problem($"No rebuild of '{name}' is running (or it runs on another live host).", statusCode: StatusCodes.Status404NotFound);
        }

        return TypedResults.Accepted($"/projections/{name}/rebuild", await StatusAsync(registry, name, ct));
    }

    /// <summary>The latest rebuild of a read model (the highest version in the registry), or null.</summary>
    public static async Task<RebuildStatusResponse?> StatusAsync(ReadModelVersionRegistry registry, string name, CancellationToken ct)
    {
        var (pointer, versions) = await registry.GetPointerAndVersionsAsync(name, ct);
        var latest = versions.Where(v => v.StartedAt != DateTimeOffset.MinValue).MaxBy(v => v.Version);
        return latest is null ? null : RebuildStatusResponse.From(latest, pointer.LiveVersion);
    }

    private static bool Known(IServiceProvider services, string name) => Hosted(services, name) is not null;

    private static HostedReadModel? Hosted(IServiceProvider services, string name) =>
        services.GetServices<HostedReadModel>().FirstOrDefault(r => r.Name == name);

    private static IResult NotRebuilt(string reason) =>
        TypedResults.Problem(reason, statusCode: StatusCodes.Status409Conflict, title: "Not rebuilt");

    private static IResult UnknownReadModel(string name) =>
        TypedResults.Problem($"No read model is named '{name}'.", statusCode: StatusCodes.Status404NotFound, title: "Unknown read model");
}

/// <summary>A rebuild's progress: state is running, completed, failed or cancelled.</summary>
public sealed record RebuildStatusResponse(
    string Name, int Version, int LiveVersion, string State, string Phase, string Role, int SchemaVersion,
    long EventsDone, long EventsTotal, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, string? Error)
{
    public static RebuildStatusResponse From(ReadModelVersionRecord r, int liveVersion) =>
        new(r.Name, r.Version, liveVersion, r.State.ToText(), r.Phase.ToText(), r.Role.ToText(), r.SchemaVersion, r.EventsDone, Math.Max(r.EventsTotal ?? 0, r.EventsDone), r.StartedAt, r.FinishedAt, r.Error);
}
