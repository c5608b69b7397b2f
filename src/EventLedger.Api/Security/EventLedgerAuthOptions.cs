namespace EventLedger.Api.Security;

/// <summary>
/// Who issues the bearer tokens the server accepts (configuration section <c>Auth</c>, e.g. <c>Auth__Authority</c>).
/// With an <see cref="Authority"/> the server validates tokens from that OIDC issuer (its discovery document and keys);
/// without one it is its own issuer, signing and validating with a local key (<see cref="LocalKeyPath"/>).
/// </summary>
public sealed record EventLedgerAuthOptions
{
    public const string SectionName = "Auth";

    /// <summary>The OIDC issuer, e.g. <c>https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123</c>. Null: the local issuer.</summary>
    public string? Authority { get; init; }

    /// <summary>
    /// The audience a token must name in <c>aud</c>. Local issuer: defaults to <see cref="LocalTokenIssuer.DefaultAudience"/>.
    /// With an authority, this or <see cref="AllowedClientIds"/> is required.
    /// </summary>
    public string? Audience { get; init; }

    /// <summary>
    /// App clients whose access tokens are accepted by their <c>client_id</c> claim. Amazon Cognito's access tokens carry
    /// no <c>aud</c>; they name the app client in <c>client_id</c> instead.
    /// </summary>
    public IReadOnlyList<string> AllowedClientIds { get; init; } = [];

    /// <summary>
    /// Prefixed to each scope name before it is looked up in the token. Cognito names a custom scope
    /// <c>{resource server identifier}/{scope}</c>, so a resource server <c>eventledger</c> needs <c>eventledger/</c>.
    /// </summary>
    public string ScopePrefix { get; init; } = "";

    /// <summary>Whether the authority's metadata must be fetched over HTTPS (turn off only for a local test issuer).</summary>
    public bool RequireHttpsMetadata { get; init; } = true;

    /// <summary>The local issuer's key file. Default: <c>&lt;repository&gt;/.eventledger/auth/signing-key</c> (see <see cref="LocalSigningKey.DefaultPath"/>).</summary>
    public string? LocalKeyPath { get; init; }

    /// <summary>Tolerance for the clocks of issuer and server when checking <c>exp</c> and <c>nbf</c>.</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(30);

    public bool HasAuthority => !string.IsNullOrWhiteSpace(Authority);
}
