using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace EventLedger.Api.Security;

/// <summary>How bearer tokens are validated: against an OIDC authority's published keys, or against the local key.</summary>
internal static class JwtValidation
{
    /// <summary>Tokens from an OIDC issuer (discovery at <c>{Authority}/.well-known/openid-configuration</c>): signature, issuer, lifetime, audience.</summary>
    public static void ConfigureAuthority(JwtBearerOptions options, EventLedgerAuthOptions auth)
    {
        CheckAuthority(auth);
        options.Authority = auth.Authority;
        options.RequireHttpsMetadata = auth.RequireHttpsMetadata;
        Common(options, auth);
        options.TokenValidationParameters.AudienceValidator = (audiences, token, _) => AudienceMatches(audiences, token, auth);
    }

    /// <summary>Refuses an authority without an audience or client ids: the server would accept tokens meant for any client of that issuer.</summary>
    public static void CheckAuthority(EventLedgerAuthOptions auth)
    {
        if (string.IsNullOrWhiteSpace(auth.Audience) && auth.AllowedClientIds.Count == 0)
        {
            throw new InvalidOperationException(
                $"Auth__Authority is set ({auth.Authority}) but neither Auth__Audience nor Auth__AllowedClientIds__0: " +
                "the server would accept tokens meant for any client of that issuer. Set the audience (or, for Amazon Cognito access tokens, the app client ids).");
        }
    }

    /// <summary>Tokens this server's local issuer signed (HS256 only, so a token cannot pick a weaker algorithm).</summary>
    public static void ConfigureLocal(JwtBearerOptions options, EventLedgerAuthOptions auth, LocalTokenIssuer issuer)
    {
        Common(options, auth);
        options.TokenValidationParameters.ValidIssuer = LocalTokenIssuer.DefaultIssuer;
        options.TokenValidationParameters.ValidAudience = issuer.Audience;
        options.TokenValidationParameters.IssuerSigningKey = issuer.Key.SecurityKey;
        options.TokenValidationParameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
    }

    private static void Common(JwtBearerOptions options, EventLedgerAuthOptions auth)
    {
        // Keep claim names as issued (sub, scope, scp, client_id) instead of mapping them to long WS-* URIs.
        options.MapInboundClaims = false;
        options.TokenValidationParameters = new TokenValidationParameters
        {
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            ValidateIssuerSigningKey = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = auth.ClockSkew,
            NameClaimType = JwtRegisteredClaimNames.Sub,
        };
    }

    /// <summary>
    /// <c>aud</c> names <see cref="EventLedgerAuthOptions.Audience"/>, or the token is an access token without <c>aud</c>
    /// whose <c>client_id</c> is allowed (Amazon Cognito's shape).
    /// </summary>
    internal static bool AudienceMatches(IEnumerable<string> audiences, SecurityToken token, EventLedgerAuthOptions auth)
    {
        var named = audiences.ToList();
        if (!string.IsNullOrWhiteSpace(auth.Audience) && named.Contains(auth.Audience, StringComparer.Ordinal))
        {
            return true;
        }

        return named.Count == 0
            && token is JsonWebToken jwt
            && jwt.TryGetPayloadValue<string>("client_id", out var clientId)
            && auth.AllowedClientIds.Contains(clientId, StringComparer.Ordinal)
            && (!jwt.TryGetPayloadValue<string>("token_use", out var use) || use == "access");
    }
}
