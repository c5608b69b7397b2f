using EventLedger.Api.OpenApi;
using EventLedger.ProjectionHost.Hosting;
using EventLedger.ProjectionHost.Rebuilds;
using EventLedger.Projections.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace EventLedger.Server.Operations;

/// <summary><c>GET /projections</c>: per read model, the live version, the state, lag, applied count, dead letters and shard leases.</summary>
public static class ProjectionEndpoints
{
    public static IEndpointRouteBuilder MapProjectionEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/projections", GetProjections)
            .Describe(EndpointTags.Operations, "Every read model's status",
                "Per read model: the live version, its state, lag, applied count, dead letters and shard leases, the versions this host feeds, and the latest rebuild.");
        app.MapDeadLetterEndpoints();
        app.MapRebuildEndpoints();
        return app;
    }

    internal static async Task<Ok<List<ReadModelStatusResponse>>> GetProjections(IServiceProvider services, IReadModelCatalog catalog, ReadModelVersionRegistry registry, CancellationToken ct)
    {
        var host = services.GetService<ProjectionHostService>();
        var hosted = services.GetServices<HostedReadModel>().ToList();
        var result = new List<ReadModelStatusResponse>();
        foreach (var readModel in hosted)
        {
            var live = await catalog.LiveTableAsync(readModel.Name, ct);
            var versions = (host?.GetStatus() ?? []).Where(s => s.ReadModel == readModel.Name).Select(s => new ReadModelVersionResponse(
                s.Version,
                s.Version == live.Version ? "live" : s.Version > live.Version ? "building" : "retiring",
                s.Subscription.Name,
                s.Subscription.State,
                s.Subscription.LagMilliseconds,
                s.Subscription.RecordsProcessed,
                s.Subscription.DeadLetterCount,
                [.. s.Subscription.Shards.Select(sh => new ShardResponse(sh.ShardId, sh.ParentShardId, sh.Owner, sh.Checkpoint, sh.LagMilliseconds, sh.State, sh.RecordsProcessed))]))
                .ToList();
            var liveStatus = versions.FirstOrDefault(v => v.Version == live.Version);
            result.Add(new ReadModelStatusResponse(
                readModel.Name,
                readModel.SchemaVersion,
                live.Version,
                host is null ? "not-hosted-here" : liveStatus?.State ?? "stopped",
                liveStatus?.LagMilliseconds,
                liveStatus?.RecordsProcessed ?? 0,
                liveStatus?.DeadLetters ?? 0,
                versions,
                await RebuildEndpoints.StatusAsync(registry, readModel.Name, ct),
                readModel.IsRebuildable));
        }

        return TypedResults.Ok(result);
    }
}

/// <summary>One read model in <c>GET /projections</c>.</summary>
/// <param name="LiveVersion">The version readers are served from (named so everywhere in the API).</param>
/// <param name="Rebuildable">False for a consumer hosted like a read model that is never rebuilt (a reaction: redeliver it
/// instead); <c>POST /projections/{name}/rebuild</c> answers 409 for it.</param>
public sealed record ReadModelStatusResponse(
    string Name, int SchemaVersion, int LiveVersion, string State, long? LagMilliseconds, long AppliedCount, int DeadLetters,
    IReadOnlyList<ReadModelVersionResponse> Versions, RebuildStatusResponse? Rebuild, bool Rebuildable)
{
    /// <summary>The old name of <see cref="LiveVersion"/>, kept for one release so that older clients keep working.</summary>
    [Obsolete("Use liveVersion; activeVersion is an alias kept for one release.")]
    public int ActiveVersion => LiveVersion;
}

/// <summary>One version of a read model that this host feeds from the stream.</summary>
public sealed record ReadModelVersionResponse(
    int Version, string Role, string Subscription, string State, long LagMilliseconds, long RecordsProcessed, int DeadLetters,
    IReadOnlyList<ShardResponse> Shards);

public sealed record ShardResponse(string ShardId, string? ParentShardId, string? Owner, string? Checkpoint, long? LagMilliseconds, string State, long? RecordsProcessed);
