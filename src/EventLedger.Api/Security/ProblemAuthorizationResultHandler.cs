using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.AspNetCore.Http;

namespace EventLedger.Api.Security;

/// <summary>
/// 401 (no valid token) and 403 (valid token, scope missing) as problem details. The 401 keeps the bearer scheme's
/// <c>WWW-Authenticate</c> challenge; the 403 adds RFC 6750's <c>insufficient_scope</c> with the scope required.
/// </summary>
internal sealed class ProblemAuthorizationResultHandler(EventLedgerAuthOptions auth) : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Challenged)
        {
            await context.ChallengeAsync();
            await SecurityProblems.WriteAsync(context, StatusCodes.Status401Unauthorized, "Unauthorized",
                "This endpoint needs a valid bearer token (Authorization: Bearer …) from the server's issuer; WWW-Authenticate says why this request's was refused.",
                "unauthenticated");
            return;
        }

        if (authorizeResult.Forbidden)
        {
            var scopes = policy.Requirements.OfType<ScopeRequirement>().Select(r => auth.ScopePrefix + r.Scope).ToList();
            context.Response.Headers.WWWAuthenticate = $"Bearer error=\"insufficient_scope\", scope=\"{string.Join(' ', scopes)}\"";
            await SecurityProblems.WriteAsync(context, StatusCodes.Status403Forbidden, "Forbidden",
                scopes.Count > 0
                    ? $"The token does not carry the scope this endpoint requires: {string.Join(", ", scopes)}."
                    : "The token does not grant access to this endpoint.",
                "insufficient-scope");
            return;
        }

        await _default.HandleAsync(next, context, policy, authorizeResult);
    }
}
