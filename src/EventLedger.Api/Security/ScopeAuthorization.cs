using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace EventLedger.Api.Security;

/// <summary>A token must carry this scope (with the configured <see cref="EventLedgerAuthOptions.ScopePrefix"/>).</summary>
public sealed class ScopeRequirement(string scope) : IAuthorizationRequirement
{
    public string Scope { get; } = scope;
}

internal sealed class ScopeRequirementHandler(string scopePrefix) : AuthorizationHandler<ScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        if (LedgerPrincipal.HasScope(context.User, scopePrefix + requirement.Scope))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// One policy per scope (named like the scope) and a fallback policy that requires an authenticated caller, so an
/// endpoint that declares nothing is still closed. Under <c>--insecure</c> every policy admits everyone.
/// </summary>
public static class ScopePolicies
{
    public static void Configure(AuthorizationOptions options, bool insecure)
    {
        ArgumentNullException.ThrowIfNull(options);
        foreach (var scope in LedgerScopes.All)
        {
            options.AddPolicy(scope, policy =>
            {
                if (insecure)
                {
                    policy.RequireAssertion(_ => true);
                }
                else
                {
                    policy.RequireAuthenticatedUser().AddRequirements(new ScopeRequirement(scope));
                }
            });
        }

        options.FallbackPolicy = insecure ? null : new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build();
    }

    /// <summary>Callers need <paramref name="scope"/> (one of <see cref="LedgerScopes"/>) for these endpoints.</summary>
    public static TBuilder RequireScope<TBuilder>(this TBuilder builder, string scope) where TBuilder : IEndpointConventionBuilder
    {
        if (!LedgerScopes.IsKnown(scope))
        {
            throw new ArgumentException($"'{scope}' is not one of {string.Join(", ", LedgerScopes.All)}.", nameof(scope));
        }

        return builder.RequireAuthorization(scope);
    }

    /// <summary>
    /// For a resource group whose queries and commands share routes (<c>/invoices</c>): GET and HEAD need
    /// <see cref="LedgerScopes.Read"/>, every other method <see cref="LedgerScopes.Write"/>. An endpoint that declares its
    /// own requirement (or <c>AllowAnonymous</c>) keeps it.
    /// </summary>
    public static RouteGroupBuilder RequireReadOrWriteScopeByMethod(this RouteGroupBuilder group)
    {
        ArgumentNullException.ThrowIfNull(group);

        // Finally: runs after the endpoint's own conventions, when its HTTP methods are known.
        ((IEndpointConventionBuilder)group).Finally(endpoint =>
        {
            if (endpoint.Metadata.Any(m => m is IAuthorizeData or IAllowAnonymous))
            {
                return;
            }

            var methods = endpoint.Metadata.OfType<HttpMethodMetadata>().LastOrDefault()?.HttpMethods ?? [];
            var readsOnly = methods.Count > 0 && methods.All(m => HttpMethods.IsGet(m) || HttpMethods.IsHead(m));
            endpoint.Metadata.Add(new AuthorizeAttribute(readsOnly ? LedgerScopes.Read : LedgerScopes.Write));
        });
        return group;
    }
}
