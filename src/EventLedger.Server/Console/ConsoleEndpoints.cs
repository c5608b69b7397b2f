using System.ComponentModel;
using System.Runtime.CompilerServices;
using EventLedger.Api.OpenApi;
using EventLedger.Api.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

// Not EventLedger.Server.Console: that namespace would hide System.Console from all code under EventLedger.Server.
namespace EventLedger.Server.OperatorConsole;

/// <summary>
/// The operator console (docs/adr/0014): <c>GET /console</c> is a static page (anonymous: it holds no data), and every
/// call it makes carries the operator's bearer token, like any other client's. <c>GET /projections/stream</c> pushes
/// the read models' status as server-sent events every second (<c>ledger.operate</c>).
/// </summary>
internal static partial class ConsoleEndpoints
{
    public const string PagePath = "/console";
    public const string StreamPath = "/projections/stream";
    internal const string IndexFile = "index.html";
    private const string FileDescription = "The file's name, e.g. app.js or console.css (the files the page links; any other name is not found).";

    // The page runs only its own scripts and styles and talks only to this server. No inline script, so injected markup
    // cannot run; form-action 'none', so a sign-in form submitted without its script never puts a token in a URL.
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static IEndpointRouteBuilder MapOperatorConsole(this IEndpointRouteBuilder app)
    {
        var assets = ConsoleAssets.Load();
        var services = app.ServiceProvider;
        var feed = new ProjectionStatusFeed(services, services.GetService<TimeProvider>() ?? TimeProvider.System);
        var lifetime = services.GetRequiredService<IHostApplicationLifetime>();
        lifetime.ApplicationStopped.Register(feed.Dispose);
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ConsoleEndpoints).FullName!);

        app.MapGet(PagePath, (HttpContext context) => Serve(context, assets.Find(IndexFile)!, IndexFile))
            .AllowAnonymous()
            .Describe(EndpointTags.Console, "The operator console",
                "A static page (no data in it): it asks for an operator's token, or takes one from the URL fragment that `eventledger console` " +
                "prints, and calls the operator endpoints with it. 304 when `If-None-Match` names the current version.")
            .Produces<string>(StatusCodes.Status200OK, "text/html")
            .Produces(StatusCodes.Status304NotModified);
        // One file of the console per route value: a name that is not one of them does not match, and stays closed like any other path.
        var files = RoutePatternFactory.Parse($"{PagePath}/{{file}}", defaults: null, parameterPolicies: new { file = new ConsoleFileConstraint(assets) });
        app.Map(files, (HttpContext context, [Description(FileDescription)] string file) => Serve(context, assets.Find(file)!, file))
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Get]))
            .AllowAnonymous()
            .Describe(EndpointTags.Console, "A file of the operator console", "The page's scripts and style sheet, as the page links them.")
            .Produces<string>(StatusCodes.Status200OK, "text/javascript", "text/css", "text/html")
            .Produces(StatusCodes.Status304NotModified);

        app.MapGet(StreamPath, (CancellationToken requestAborted) =>
                TypedResults.ServerSentEvents(WatchAsync(feed, lifetime.ApplicationStopping, logger, requestAborted), eventType: "status"))
            .RequireScope(LedgerScopes.Operate)
            .Describe(EndpointTags.Operations, "Every read model's status, live (server-sent events)",
                "`event: status` at once and then every second, with `{at, readModels}` where `readModels` is what `GET /projections` answers, " +
                "until the client goes or the server stops (a tick whose status could not be read is skipped). The console reads it with " +
                "`fetch`, since an `EventSource` cannot send the bearer token.");
        return app;
    }

    private static IResult Serve(HttpContext context, ConsoleAsset asset, string file)
    {
        var headers = context.Response.Headers;
        headers.ETag = asset.ETag;
        // Revalidate every time: a server upgraded in place must not run yesterday's script against today's API.
        headers.CacheControl = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        if (file == IndexFile)
        {
            headers.ContentSecurityPolicy = ContentSecurityPolicy;
            headers.XFrameOptions = "DENY";
        }

        return context.Request.Headers.IfNoneMatch.Any(v => v == asset.ETag)
            ? TypedResults.StatusCode(StatusCodes.Status304NotModified)
            : TypedResults.Bytes(asset.Content, asset.ContentType);
    }

    /// <summary>The status now and then every <see cref="ProjectionStatusFeed.Interval"/>, until the caller goes or the server stops.</summary>
    private static async IAsyncEnumerable<ProjectionStatusSnapshot> WatchAsync(ProjectionStatusFeed feed, CancellationToken serverStopping, ILogger logger,
        [EnumeratorCancellation] CancellationToken requestAborted)
    {
        // A server that stops ends the stream (the console reconnects) instead of waiting out Kestrel's shutdown timeout.
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, serverStopping);
        using var timer = new PeriodicTimer(ProjectionStatusFeed.Interval);
        do
        {
            if (await ReadAsync(feed, logger, watching.Token) is { } snapshot)
            {
                yield return snapshot;
            }
        }
        while (await TickAsync(timer, watching.Token));
    }

    private static async Task<ProjectionStatusSnapshot?> ReadAsync(ProjectionStatusFeed feed, ILogger logger, CancellationToken ct)
    {
        try
        {
            return await feed.CurrentAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception ex) when (ex is Amazon.Runtime.AmazonServiceException or HttpRequestException or TimeoutException)
        {
            // The registry was unreachable for a moment: this tick is skipped, the console shows the status as stale.
            LogStatusReadFailed(logger, ex);
            return null;
        }
    }

    private static async Task<bool> TickAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            return await timer.WaitForNextTickAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Matches route values that name one of the console's files.</summary>
    private sealed class ConsoleFileConstraint(ConsoleAssets assets) : IRouteConstraint
    {
        public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
            values.TryGetValue(routeKey, out var value) && value is string file && assets.Find(file) is not null;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Console status stream: reading the read models' status failed; the next tick tries again")]
    private static partial void LogStatusReadFailed(ILogger logger, Exception exception);
}
