using Microsoft.Extensions.DependencyInjection;

namespace EventLedger.Api.Security;

/// <summary>Tokens for in-process callers of a server that is its own issuer (the demo, tests, benchmarks).</summary>
public static class LocalBearerTokens
{
    /// <summary>An <c>Authorization</c> header value minted with the server's local key; null when the server has an authority or runs insecure.</summary>
    public static System.Net.Http.Headers.AuthenticationHeaderValue? LocalBearer(this IServiceProvider services, string subject, IEnumerable<string> scopes, TimeSpan lifetime) =>
        services.GetService<LocalTokenIssuer>()?.Bearer(subject, scopes, lifetime);
}
