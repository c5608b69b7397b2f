using System.Security.Claims;

namespace EventLedger.Api.Security;

/// <summary>What the server takes from a caller's validated token: who it is (the audit actor) and which scopes it holds.</summary>
public static class LedgerPrincipal
{
    /// <summary>The actor recorded when no one authenticated: only a server started with <c>serve --insecure</c> lets such a caller write.</summary>
    public const string Anonymous = "anonymous";

    /// <summary>
    /// The actor recorded in event metadata: the token's subject (<c>sub</c>), else its <c>client_id</c> (machine-to-machine
    /// tokens of some issuers carry no <c>sub</c>). Never a value the caller chose in a header or body.
    /// </summary>
    public static string ActorOf(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (user.Identity?.IsAuthenticated != true)
        {
            return Anonymous;
        }

        return user.FindFirst("sub")?.Value is { Length: > 0 } subject ? subject
            : user.FindFirst("client_id")?.Value is { Length: > 0 } client ? client
            : Anonymous;
    }

    /// <summary>Whether a <c>scope</c> or <c>scp</c> claim (space-separated, or one claim per scope) names <paramref name="scope"/>.</summary>
    public static bool HasScope(ClaimsPrincipal user, string scope)
    {
        ArgumentNullException.ThrowIfNull(user);
        return user.Claims
            .Where(c => c.Type is "scope" or "scp")
            .SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Contains(scope, StringComparer.Ordinal);
    }
}
