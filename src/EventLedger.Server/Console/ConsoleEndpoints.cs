using System.Runtime.CompilerServices;
using EventLedger.Api.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
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

        // One literal route per file: a path that is not one of them is not the console's, and stays closed like any other.
        app.MapGet(PagePath, (HttpContext context) => Serve(context, assets.Find(IndexFile)!, IndexFile)).AllowAnonymous().ExcludeFromDescription();
        foreach (var file in assets.Files)
        {
            app.MapGet($"{PagePath}/{file}", (HttpContext context) => Serve(context, assets.Find(file)!, file)).AllowAnonymous().ExcludeFromDescription();
        }

        app.MapGet(StreamPath, (CancellationToken requestAborted) =>
                TypedResults.ServerSentEvents(WatchAsync(feed, lifetime.ApplicationStopping, logger, requestAborted), eventType: "status"))
            .RequireScope(LedgerScopes.Operate);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Console status stream: reading the read models' status failed; the next tick tries again")]
    private static partial void LogStatusReadFailed(ILogger logger, Exception exception);
}
