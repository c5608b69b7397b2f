using EventLedger.Api.Security;

namespace EventLedger.IntegrationTests.Security;

/// <summary>The kinds of bearer token a caller may present, minted against a running server's local issuer.</summary>
public enum TokenCase
{
    None,
    Malformed,
    Expired,
    BadSignature,
    WrongAudience,
    WrongIssuer,
    MissingScope,
    RightScope,
}

public static class Tokens
{
    /// <summary>The token for <paramref name="kind"/>, for an endpoint that requires <paramref name="scope"/>; null for <see cref="TokenCase.None"/>.</summary>
    public static string? For(LocalTokenIssuer issuer, TokenCase kind, string scope, string subject = "matrix")
    {
        var others = LedgerScopes.All.Where(s => s != scope).ToList();
        return kind switch
        {
            TokenCase.None => null,
            TokenCase.Malformed => "not.a-jwt",
            TokenCase.Expired => issuer.Mint(new LocalTokenRequest(subject, [scope]) { IssuedAt = DateTimeOffset.UtcNow.AddHours(-2), Lifetime = TimeSpan.FromHours(1) }),
            TokenCase.BadSignature => new LocalTokenIssuer(LocalSigningKey.Generate(), issuer.Audience, TimeProvider.System).Mint(subject, [scope], TimeSpan.FromHours(1)),
            TokenCase.WrongAudience => issuer.Mint(new LocalTokenRequest(subject, [scope]) { Audience = "some-other-api" }),
            TokenCase.WrongIssuer => issuer.Mint(new LocalTokenRequest(subject, [scope]) { Issuer = "https://issuer.example" }),
            TokenCase.MissingScope => issuer.Mint(subject, others, TimeSpan.FromHours(1)),
            TokenCase.RightScope => issuer.Mint(subject, [scope], TimeSpan.FromHours(1)),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }
}
