using System.Net.Http.Headers;
using Microsoft.Extensions.Configuration;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace EventLedger.Api.Security;

/// <summary>
/// Mints bearer tokens for the local issuer (a server with no <c>Auth__Authority</c>): HS256 JWTs with <c>iss</c>
/// <see cref="DefaultIssuer"/>, the configured audience, <c>sub</c> and a space-separated <c>scope</c>.
/// Used by <c>eventledger token</c>, the CLI's operator commands and <c>demo</c>, the tests and the benchmarks.
/// </summary>
public sealed class LocalTokenIssuer(LocalSigningKey key, string audience, TimeProvider time)
{
    public const string DefaultIssuer = "eventledger-local";
    public const string DefaultAudience = "eventledger";

    /// <summary>The longest lifetime <c>eventledger token</c> hands out.</summary>
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromDays(30);

    private static readonly JsonWebTokenHandler Handler = new() { SetDefaultTimesOnTokenCreation = false };

    public LocalSigningKey Key { get; } = key;

    public string Audience { get; } = audience;

    /// <summary>
    /// The local issuer as configured in <paramref name="configuration"/> (section <c>Auth</c>: <c>LocalKeyPath</c>,
    /// <c>Audience</c>), creating the key on first use; null when an authority is configured, since tokens then come from it.
    /// </summary>
    public static LocalTokenIssuer? FromConfiguration(IConfiguration configuration)
    {
        var options = configuration.GetSection(EventLedgerAuthOptions.SectionName).Get<EventLedgerAuthOptions>() ?? new EventLedgerAuthOptions();
        return options.HasAuthority ? null : ForOptions(options, TimeProvider.System);
    }

    /// <summary><see cref="FromConfiguration"/> over the process's environment variables (<c>Auth__LocalKeyPath</c>, …), as the server reads them.</summary>
    public static LocalTokenIssuer? FromEnvironment() => FromConfiguration(new ConfigurationBuilder().AddEnvironmentVariables().Build());

    internal static LocalTokenIssuer ForOptions(EventLedgerAuthOptions options, TimeProvider time) =>
        new(LocalSigningKey.LoadOrCreate(options.LocalKeyPath ?? LocalSigningKey.DefaultPath()), options.Audience ?? DefaultAudience, time);

    public string Mint(string subject, IEnumerable<string> scopes, TimeSpan lifetime) =>
        Mint(new LocalTokenRequest(subject, [.. scopes]) { Lifetime = lifetime });

    public string Mint(LocalTokenRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.Subject);
        if (request.Lifetime <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.Lifetime, "A token's lifetime must be positive.");
        }

        var issuedAt = (request.IssuedAt ?? time.GetUtcNow()).UtcDateTime;
        return Handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = request.Issuer ?? DefaultIssuer,
            Audience = request.Audience ?? Audience,
            IssuedAt = issuedAt,
            NotBefore = issuedAt,
            Expires = issuedAt + request.Lifetime,
            Claims = new Dictionary<string, object>
            {
                [JwtRegisteredClaimNames.Sub] = request.Subject,
                ["scope"] = string.Join(' ', request.Scopes),
                [JwtRegisteredClaimNames.Jti] = Guid.NewGuid().ToString("N"),
            },
            SigningCredentials = new SigningCredentials(Key.SecurityKey, SecurityAlgorithms.HmacSha256),
        });
    }

    /// <summary>An <c>Authorization: Bearer …</c> header value for <see cref="Mint(string, IEnumerable{string}, TimeSpan)"/>.</summary>
    public AuthenticationHeaderValue Bearer(string subject, IEnumerable<string> scopes, TimeSpan lifetime) =>
        new("Bearer", Mint(subject, scopes, lifetime));
}

/// <summary>What a locally minted token says. Tests set <see cref="IssuedAt"/>, <see cref="Audience"/> or <see cref="Issuer"/> to make tokens the server must refuse.</summary>
/// <param name="Subject">The principal: recorded as the <c>actor</c> of the events its commands append.</param>
/// <param name="Scopes">Any of <see cref="LedgerScopes"/>.</param>
public sealed record LocalTokenRequest(string Subject, IReadOnlyList<string> Scopes)
{
    public TimeSpan Lifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Issue time (default now); with a short lifetime, a time in the past makes an expired token.</summary>
    public DateTimeOffset? IssuedAt { get; init; }

    public string? Audience { get; init; }

    public string? Issuer { get; init; }
}
