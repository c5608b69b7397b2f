using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;

namespace EventLedger.Api.Security;

/// <summary>
/// A token bucket per principal (the token's subject, else <c>client_id</c>; unauthenticated requests share one bucket
/// per client address). Over the limit: 429 with <c>Retry-After</c> and problem details, not the middleware's default 503.
/// </summary>
public static class LedgerRateLimiting
{
    public static void Configure(RateLimiterOptions options, EventLedgerLimitsOptions limits)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(limits);
        if (limits.PermitsPerSecond < 1 || limits.Burst < 1)
        {
            throw new InvalidOperationException($"Limits__PermitsPerSecond and Limits__Burst must be at least 1 (are {limits.PermitsPerSecond} and {limits.Burst}).");
        }

        options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            RateLimitPartition.GetTokenBucketLimiter(PartitionOf(context), _ => BucketOf(limits)));
        options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        options.OnRejected = RejectAsync;
    }

    /// <summary>The bucket: <see cref="EventLedgerLimitsOptions.Burst"/> tokens, refilled at <see cref="EventLedgerLimitsOptions.PermitsPerSecond"/> in tenths of a second (so a drained bucket recovers smoothly).</summary>
    public static TokenBucketRateLimiterOptions BucketOf(EventLedgerLimitsOptions limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var (tokens, period) = limits.PermitsPerSecond >= 10
            ? ((int)Math.Ceiling(limits.PermitsPerSecond / 10.0), TimeSpan.FromMilliseconds(100))
            : (1, TimeSpan.FromSeconds(1.0 / limits.PermitsPerSecond));
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = limits.Burst,
            TokensPerPeriod = tokens,
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = true,
        };
    }

    private static string PartitionOf(HttpContext context) =>
        context.User.Identity?.IsAuthenticated == true
            ? "principal:" + LedgerPrincipal.ActorOf(context.User)
            : "address:" + context.Connection.RemoteIpAddress;

    private static async ValueTask RejectAsync(OnRejectedContext rejected, CancellationToken ct)
    {
        var context = rejected.HttpContext;
        var seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter)
            ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
            : 1;
        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        await SecurityProblems.WriteAsync(context, StatusCodes.Status429TooManyRequests, "Too many requests",
            $"This principal sent more requests than its limit allows; retry after {seconds} s.", "rate-limited");
    }
}
