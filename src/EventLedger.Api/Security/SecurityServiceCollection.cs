using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EventLedger.Api.Security;

/// <summary>
/// The security layer in two calls: <see cref="AddEventLedgerSecurity"/> in the composition root's services and
/// <see cref="UseEventLedgerSecurity"/> once the endpoints are mapped. Closed by default: every endpoint needs a valid
/// bearer token (the fallback policy) and, where it declares one, a scope; <c>--insecure</c> turns all of it off.
/// </summary>
public static partial class SecurityServiceCollection
{
    /// <summary>Registers authentication (local issuer or <c>Auth__Authority</c>), the scope policies, the rate limiter and CORS.</summary>
    /// <param name="insecure">Authentication off (<c>serve --insecure</c>): every caller may do everything, as <see cref="LedgerPrincipal.Anonymous"/>.</param>
    public static IServiceCollection AddEventLedgerSecurity(this IServiceCollection services, IConfiguration configuration, bool insecure = false)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var auth = configuration.GetSection(EventLedgerAuthOptions.SectionName).Get<EventLedgerAuthOptions>() ?? new EventLedgerAuthOptions();
        var limits = configuration.GetSection(EventLedgerLimitsOptions.SectionName).Get<EventLedgerLimitsOptions>() ?? new EventLedgerLimitsOptions();
        var cors = configuration.GetSection(EventLedgerCorsOptions.SectionName).Get<EventLedgerCorsOptions>() ?? new EventLedgerCorsOptions();
        var mode = insecure ? EventLedgerSecurityMode.Insecure : auth.HasAuthority ? EventLedgerSecurityMode.Authority : EventLedgerSecurityMode.LocalIssuer;
        if (mode == EventLedgerSecurityMode.Authority)
        {
            JwtValidation.CheckAuthority(auth);
        }

        services.AddSingleton(new EventLedgerSecurity(mode, auth, cors));
        services.AddSingleton(auth);

        // Resolved from the container (not captured here), so an embedder's later registration replaces the limits.
        services.AddSingleton(limits);
        services.AddProblemDetails();
        services.Configure<ProblemDetailsOptions>(o =>
        {
            // The developer exception page (ASPNETCORE_ENVIRONMENT=Development) adds the exception and its stack trace.
            var customize = o.CustomizeProblemDetails;
            o.CustomizeProblemDetails = context =>
            {
                customize?.Invoke(context);
                context.ProblemDetails.Extensions.Remove("exception");
            };
        });
        services.AddAuthorization(o => ScopePolicies.Configure(o, insecure));
        services.AddSingleton<IAuthorizationHandler>(new ScopeRequirementHandler(auth.ScopePrefix));
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<EventLedgerLimitsOptions>(LedgerRateLimiting.Configure);
        if (cors.AllowedOrigins.Count > 0)
        {
            services.AddCors(o => o.AddDefaultPolicy(p => p
                .WithOrigins([.. cors.AllowedOrigins])
                .AllowAnyMethod()
                .WithHeaders("Authorization", "Content-Type", "Idempotency-Key", "If-Match", "X-Correlation-Id")
                .WithExposedHeaders("ETag", "Location", "Idempotent-Replayed", "Retry-After")));
        }

        if (mode == EventLedgerSecurityMode.Insecure)
        {
            return services;
        }

        // Authentication brings data protection along; bearer tokens never use it, so keep its keys in memory rather
        // than writing an unencrypted key ring to the home directory at every start.
        var authentication = services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme);
        services.AddDataProtection().UseEphemeralDataProtectionProvider();
        if (mode == EventLedgerSecurityMode.Authority)
        {
            authentication.AddJwtBearer(o => JwtValidation.ConfigureAuthority(o, auth));
        }
        else
        {
            services.AddSingleton(sp => LocalTokenIssuer.ForOptions(auth, sp.GetService<TimeProvider>() ?? TimeProvider.System));
            authentication.AddJwtBearer();
            services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
                .Configure<LocalTokenIssuer>((o, issuer) => JwtValidation.ConfigureLocal(o, auth, issuer));
        }

        return services;
    }

    /// <summary>
    /// Adds CORS (when configured), authentication, the rate limiter, authorization and the request guards to the
    /// pipeline, in that order. Call after the exception handler, so that its problem details cover these too.
    /// </summary>
    public static WebApplication UseEventLedgerSecurity(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var security = app.Services.GetRequiredService<EventLedgerSecurity>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("EventLedger.Security");
        switch (security.Mode)
        {
            case EventLedgerSecurityMode.Insecure:
                LogInsecure(logger);
                app.Use((context, next) =>
                {
                    context.Response.Headers.Warning = InsecureWarning;
                    return next(context);
                });
                break;
            case EventLedgerSecurityMode.Authority:
                LogAuthority(logger, security.Auth.Authority!, security.Auth.Audience ?? "(none)", string.Join(", ", security.Auth.AllowedClientIds));
                break;
            default:
                // Load (or create) the key now, so a key file with the wrong permissions stops the server at start.
                LogLocalIssuer(logger, app.Services.GetRequiredService<LocalTokenIssuer>().Key.Path!);
                break;
        }

        if (security.Cors.AllowedOrigins.Count > 0)
        {
            app.UseCors();
        }

        if (security.Mode != EventLedgerSecurityMode.Insecure)
        {
            app.UseAuthentication();
        }

        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseMiddleware<RequestGuardMiddleware>();
        return app;
    }

    /// <summary>The <c>Warning</c> header every response of an insecure server carries (<c>GET /projections</c> included).</summary>
    public const string InsecureWarning = "299 eventledger \"authentication is off (serve --insecure): any caller may write, read and operate\"";

    [LoggerMessage(Level = LogLevel.Warning, Message = "AUTHENTICATION IS OFF (--insecure): anyone who can reach this port can record, adjust and void transactions, start rebuilds and discard dead letters. Events record the actor 'anonymous'.")]
    private static partial void LogInsecure(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Authentication: bearer tokens from {Authority} (audience {Audience}; client ids {ClientIds})")]
    private static partial void LogAuthority(ILogger logger, string authority, string audience, string clientIds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Authentication: local issuer, key {KeyPath}; get a token with: ./eventledger token --scope ledger.write --scope ledger.read")]
    private static partial void LogLocalIssuer(ILogger logger, string keyPath);
}
