using System.Text.RegularExpressions;
using EventLedger.Api.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace EventLedger.IntegrationTests.Security;

/// <summary>
/// One route and method as the server declares it: the scope it requires, or that it is explicitly anonymous, and the
/// route parameters that carry a constraint (a value the constraint refuses matches no endpoint).
/// </summary>
public sealed record DeclaredEndpoint(string Method, string Pattern, string? Scope, bool Anonymous, IReadOnlyList<string>? ConstrainedParameters = null, bool ExcludedFromDescription = false)
{
    public override string ToString() => $"{Method} {Pattern}";

    /// <summary>The path with every route parameter filled in (a sample value, or <paramref name="parameterValue"/> for one parameter).</summary>
    public string Path(string? parameter = null, string? parameterValue = null) =>
        Regex.Replace(Pattern, @"\{\*{0,2}(?<name>[^}:?=]+)[^}]*\}", m =>
            Uri.EscapeDataString(m.Groups["name"].Value == parameter && parameterValue is not null ? parameterValue : Sample(m.Groups["name"].Value)));

    public IReadOnlyList<string> Parameters => [.. Regex.Matches(Pattern, @"\{\*{0,2}(?<name>[^}:?=]+)").Select(m => m.Groups["name"].Value)];

    // Values that reach the endpoint without side effects: unknown read models and dead letters answer 404.
    private static string Sample(string parameter) => parameter switch
    {
        "invoiceNumber" => "SEC-1",
        "transactionId" => "t1",
        "country" => "DEU",
        "name" => "no-such-read-model",
        "id" => "no-such-subscription:shard:1",
        "documentName" => "v1",
        "file" => "app.js",
        _ => "x",
    };
}

/// <summary>Reads every route of a running app from its <see cref="EndpointDataSource"/>: what a new route declares is tested without anyone listing it.</summary>
public static class DeclaredEndpoints
{
    public static IReadOnlyList<DeclaredEndpoint> Of(WebApplication app)
    {
        var endpoints = app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        return
        [
            .. from e in endpoints
               from method in e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [HttpMethods.Get]
               let scopes = e.Metadata.GetOrderedMetadata<IAuthorizeData>().Select(a => a.Policy).Where(p => p is not null && LedgerScopes.IsKnown(p)).Distinct().ToList()
               orderby e.RoutePattern.RawText, method
               select new DeclaredEndpoint(method, e.RoutePattern.RawText ?? "", scopes.Count == 1 ? scopes[0] : null, e.Metadata.GetMetadata<IAllowAnonymous>() is not null,
                   [.. e.RoutePattern.ParameterPolicies.Keys],
                   e.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.IExcludeFromDescriptionMetadata>()?.ExcludeFromDescription == true),
        ];
    }

    /// <summary>Routes that would rely on the fallback policy alone (authenticated, any scope): each must declare a scope or be explicitly anonymous.</summary>
    public static IReadOnlyList<DeclaredEndpoint> Undeclared(IEnumerable<DeclaredEndpoint> endpoints) =>
        [.. endpoints.Where(e => e.Scope is null && !e.Anonymous)];

    /// <summary>
    /// What the contract (issue 10, ADR 0010) says a route needs, independently of how the code declares it; null for a
    /// route this table does not know (it must still declare a scope).
    /// </summary>
    public static string? ExpectedScope(DeclaredEndpoint endpoint)
    {
        var path = endpoint.Pattern.TrimEnd('/');
        if (path == "/health") return "anonymous";
        // The OpenAPI document and the reference page (with its script) describe the API; they do not act on it.
        if (path.StartsWith("/openapi/", StringComparison.Ordinal) || path == "/scalar" || path.StartsWith("/scalar/", StringComparison.Ordinal)) return "anonymous";
        if (path.StartsWith("/invoices", StringComparison.Ordinal)) return HttpMethods.IsGet(endpoint.Method) ? LedgerScopes.Read : LedgerScopes.Write;
        if (path.StartsWith("/analytics", StringComparison.Ordinal) || path == "/search" || path == "/archive/query") return LedgerScopes.Read;
        if (path.StartsWith("/archive", StringComparison.Ordinal)) return LedgerScopes.Operate;
        // The console's page and files are static (no data); the page calls the operator endpoints with the operator's token.
        if (path == "/console" || path.StartsWith("/console/", StringComparison.Ordinal)) return "anonymous";
        if (path.StartsWith("/projections", StringComparison.Ordinal) || path.StartsWith("/dead-letters", StringComparison.Ordinal)
            || path.StartsWith("/reactions", StringComparison.Ordinal) || path == "/metrics")
        {
            return LedgerScopes.Operate;
        }

        return null;
    }
}
