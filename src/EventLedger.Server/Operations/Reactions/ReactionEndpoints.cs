using System.ComponentModel;
using EventLedger.Api.OpenApi;
using EventLedger.ProjectionHost.Hosting;
using EventLedger.Reactions.Configuration;
using EventLedger.Reactions.Hosting;
using EventLedger.Reactions.Redelivery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;

namespace EventLedger.Server.Operations.Reactions;

/// <summary>
/// <c>GET /reactions[/{name}]</c> (status), <c>POST /reactions/{name}/enable</c> (after a 410), redeliveries from the event
/// store (<c>POST /reactions/{name}/redeliveries</c> with <c>{"from": time | "INVOICE/VERSION"}</c>, <c>GET</c> and
/// <c>DELETE /reactions/{name}/redeliveries/{id}</c>), and a clear 409 for <c>POST /projections/{reaction}/rebuild</c>.
/// </summary>
public static class ReactionEndpoints
{
    public static IEndpointRouteBuilder MapReactionsEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/reactions");
        group.MapGet("/", List)
            .Describe(EndpointTags.Reactions, "Every reaction's status",
                "Per reaction: on, off (no sink configured; `stateDetail` says what to set) or disabled (its webhook answered 410), the sink " +
                "and its target, this server's delivered/retried/failed counts and last error, the stream subscription's lag and dead letters, " +
                "and the latest redelivery.")
            .Produces<List<ReactionStatusResponse>>();
        group.MapGet("/{name}", Get)
            .Describe(EndpointTags.Reactions, "One reaction's status")
            .Produces<ReactionStatusResponse>()
            .Problem(StatusCodes.Status404NotFound, UnknownDescription);
        group.MapPost("/{name}/enable", Enable)
            .Describe(EndpointTags.Reactions, "Resume a disabled reaction",
                "After its webhook answered 410 Gone: delivery resumes, and the messages held since are delivered. Answers the reaction's status.")
            .Produces<ReactionStatusResponse>()
            .Problem(StatusCodes.Status404NotFound, UnknownDescription)
            .Problem(StatusCodes.Status409Conflict, "The reaction is off: it has no sink configured.");
        group.MapPost("/{name}/redeliveries", StartRedelivery)
            .Describe(EndpointTags.Reactions, "Redeliver from the event store",
                "Sends the reaction's messages again for the events recorded since a time (every invoice), or for one invoice from a version " +
                "on, read from the event store (so beyond the stream's 24 hours). Same ids as the first delivery. `Location` is where to watch it.")
            .Produces<RedeliveryResponse>(StatusCodes.Status202Accepted)
            .Problem(StatusCodes.Status404NotFound, UnknownDescription)
            .Problem(StatusCodes.Status409Conflict, "The reaction is off or disabled, or a redelivery of it is already running.");
        group.MapGet("/{name}/redeliveries", ListRedeliveries)
            .Describe(EndpointTags.Reactions, "The reaction's redeliveries on this server", "Newest first, with their progress.")
            .Produces<List<RedeliveryResponse>>()
            .Problem(StatusCodes.Status404NotFound, UnknownDescription);
        group.MapGet("/{name}/redeliveries/{id}", GetRedelivery)
            .Describe(EndpointTags.Reactions, "A redelivery's progress", "State (running, completed, failed, cancelled), events read of the total, messages delivered and failed.")
            .Produces<RedeliveryResponse>()
            .Problem(StatusCodes.Status404NotFound, UnknownRedeliveryDescription);
        group.MapDelete("/{name}/redeliveries/{id}", CancelRedelivery)
            .Describe(EndpointTags.Reactions, "Cancel a redelivery", "Stops sending; what was sent stays sent. Answers the redelivery as it was when cancelled.")
            .Produces<RedeliveryResponse>()
            .Problem(StatusCodes.Status404NotFound, UnknownRedeliveryDescription);

        return app;
    }

    private static async Task<IResult> List(ReactionRegistry registry, IServiceProvider services, CancellationToken ct)
    {
        var result = new List<ReactionStatusResponse>();
        foreach (var reaction in registry.All)
        {
            result.Add(await StatusAsync(registry, reaction, services, ct));
        }

        return TypedResults.Ok(result);
    }

    private const string NameDescription = "A reaction's name, as `GET /reactions` lists it (e.g. zero-amount-alerts).";
    private const string RedeliveryIdDescription = "The redelivery's id, from the `Location` (or `id`) that starting it answered.";
    private const string UnknownDescription = "No reaction has this name (`GET /reactions` lists them).";
    private const string UnknownRedeliveryDescription = "No reaction has this name, or it has no redelivery with this id on this server.";

    private static async Task<IResult> Get([Description(NameDescription)] string name, ReactionRegistry registry, IServiceProvider services, CancellationToken ct) =>
        registry.Find(name) is { } reaction ? TypedResults.Ok(await StatusAsync(registry, reaction, services, ct)) : Unknown(name);

    private static async Task<IResult> Enable([Description(NameDescription)] string name, ReactionRegistry registry, IServiceProvider services, CancellationToken ct)
    {
        if (registry.Find(name) is not { } reaction) return Unknown(name);
        if (!reaction.IsOn) return Off(reaction);
        await registry.Runtime(name).Gate.EnableAsync(ct);
        return TypedResults.Ok(await StatusAsync(registry, reaction, services, ct));
    }

    private static async Task<IResult> StartRedelivery([Description(NameDescription)] string name, RedeliveryRequest? body, ReactionRegistry registry, RedeliveryService redeliveries, CancellationToken ct)
    {
        if (registry.Find(name) is null) return Unknown(name);
        if (!RedeliveryFrom.TryParse(body?.From, out var from, out var error))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["from"] = [error] }, title: "Invalid redelivery start");
        }

        try
        {
            var run = await redeliveries.StartAsync(name, from, ct);
            return TypedResults.Accepted($"/reactions/{name}/redeliveries/{run.Id}", RedeliveryResponse.Of(run));
        }
        catch (RedeliveryConflictException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict, title: "Cannot redeliver now");
        }
    }

    private static IResult ListRedeliveries([Description(NameDescription)] string name, ReactionRegistry registry, RedeliveryService redeliveries) =>
        registry.Find(name) is null ? Unknown(name) : TypedResults.Ok(redeliveries.List(name).Select(RedeliveryResponse.Of).ToList());

    private static IResult GetRedelivery([Description(NameDescription)] string name, [Description(RedeliveryIdDescription)] string id, RedeliveryService redeliveries) =>
        redeliveries.Get(name, id) is { } run ? TypedResults.Ok(RedeliveryResponse.Of(run)) : UnknownRedelivery(name, id);

    private static async Task<IResult> CancelRedelivery([Description(NameDescription)] string name, [Description(RedeliveryIdDescription)] string id, RedeliveryService redeliveries)
    {
        if (redeliveries.Get(name, id) is not { } run) return UnknownRedelivery(name, id);
        await redeliveries.CancelAsync(name, id);
        return TypedResults.Ok(RedeliveryResponse.Of(run));
    }

    private static async Task<ReactionStatusResponse> StatusAsync(ReactionRegistry registry, ConfiguredReaction reaction, IServiceProvider services, CancellationToken ct)
    {
        var declaration = reaction.Declaration;
        if (reaction.Sink is not { } sink)
        {
            return new ReactionStatusResponse(reaction.Name, declaration.Description, declaration.Filter, "off",
                $"No sink configured: set Reactions:{reaction.Section}:Sink (webhook, sqs or sns), e.g. Reactions__{reaction.Section.Replace(":", "__", StringComparison.Ordinal)}__Sink=webhook.",
                null, null, 0, 0, 0, null, null, null, null, null);
        }

        var runtime = registry.Runtime(reaction.Name);
        var endpoint = await runtime.Gate.CurrentAsync(ct);
        var counters = runtime.Counters;
        var subscription = services.GetService<ProjectionHostService>()?.GetStatus()
            .Where(s => s.ReadModel == reaction.Name).Select(s => s.Subscription)
            .Select(s => new ReactionSubscriptionResponse(s.Name, s.State, s.LagMilliseconds, s.RecordsProcessed, s.DeadLetterCount))
            .FirstOrDefault();
        var latest = services.GetService<RedeliveryService>()?.List(reaction.Name).FirstOrDefault();
        return new ReactionStatusResponse(
            reaction.Name, declaration.Description, declaration.Filter,
            endpoint.Disabled ? "disabled" : "on",
            endpoint.Disabled ? $"{endpoint.Reason} at {endpoint.DisabledAt:O}; POST /reactions/{reaction.Name}/enable resumes delivery" : null,
            sink.Kind.ToString().ToLowerInvariant(), sink.Target,
            counters.Delivered, counters.Retried, counters.Failed, counters.LastDeliveredAt, counters.LastError, counters.LastErrorAt,
            subscription, latest is null ? null : RedeliveryResponse.Of(latest));
    }

    private static IResult Unknown(string name) =>
        TypedResults.Problem($"No reaction is named '{name}' (GET /reactions lists them).", statusCode: StatusCodes.Status404NotFound, title: "Unknown reaction");

    private static IResult UnknownRedelivery(string name, string id) =>
        TypedResults.Problem($"Reaction '{name}' has no redelivery '{id}' in this server.", statusCode: StatusCodes.Status404NotFound, title: "Unknown redelivery");

    private static IResult Off(ConfiguredReaction reaction) =>
        TypedResults.Problem($"Reaction '{reaction.Name}' is off: it has no sink (set Reactions:{reaction.Section}:Sink).", statusCode: StatusCodes.Status409Conflict, title: "Reaction is off");
}
