using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using EventLedger.Api.Security;
using EventLedger.Cli.Hosting;
using EventLedger.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace EventLedger.IntegrationTests.Security;

/// <summary>
/// The security layer with <c>Auth__Authority</c>: a stand-in OIDC issuer on loopback (discovery document and JWKS, as
/// a Cognito user pool publishes them; Cognito itself is out of reach here) and tokens shaped like Cognito's access
/// tokens (no <c>aud</c>; <c>client_id</c>, <c>token_use</c>, and scopes named <c>{resource server}/{scope}</c>).
/// </summary>
public sealed class OidcAuthorityTests : IAsyncLifetime
{
    private const string ClientId = "app-client-1";
    private const string Audience = "eventledger-api";
    private readonly RSA _signing = RSA.Create(2048);
    private WebApplication _issuer = null!;
    private WebApplication _api = null!;
    private HttpClient _http = null!;
    private string _issuerUrl = null!;

    public async Task InitializeAsync()
    {
        _issuer = Build();
        _issuer.MapGet("/.well-known/openid-configuration", (HttpContext c) => TypedResults.Json(new Dictionary<string, object>
        {
            ["issuer"] = _issuerUrl,
            ["jwks_uri"] = _issuerUrl + "/.well-known/jwks.json",
            ["token_endpoint"] = _issuerUrl + "/oauth2/token",
            ["response_types_supported"] = new[] { "code", "token" },
            ["subject_types_supported"] = new[] { "public" },
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
        }));
        var publicKey = _signing.ExportParameters(includePrivateParameters: false);
        _issuer.MapGet("/.well-known/jwks.json", () => TypedResults.Json(new
        {
            keys = new[]
            {
                new { kty = "RSA", use = "sig", alg = "RS256", kid = "k1", n = Base64UrlEncoder.Encode(publicKey.Modulus), e = Base64UrlEncoder.Encode(publicKey.Exponent) },
            },
        }));
        await _issuer.StartAsync();
        _issuerUrl = _issuer.BaseAddress().ToString().TrimEnd('/');

        _api = Build(new Dictionary<string, string?>
        {
            ["Auth:Authority"] = _issuerUrl,
            ["Auth:Audience"] = Audience,
            ["Auth:AllowedClientIds:0"] = ClientId,
            ["Auth:ScopePrefix"] = "eventledger/",
            ["Auth:RequireHttpsMetadata"] = "false",
            ["Cors:AllowedOrigins:0"] = "https://console.example",
        });
        var invoices = _api.MapGroup("/invoices").RequireReadOrWriteScopeByMethod();
        invoices.MapGet("/{invoiceNumber}", (string invoiceNumber) => TypedResults.Ok(invoiceNumber));
        invoices.MapPost("/{invoiceNumber}/transactions", (HttpContext c) => TypedResults.Ok(LedgerPrincipal.ActorOf(c.User)));
        _api.UseEventLedgerSecurity();
        await _api.StartAsync();
        _http = new HttpClient { BaseAddress = _api.BaseAddress() };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _api.DisposeAsync();
        await _issuer.DisposeAsync();
        _signing.Dispose();
    }

    private static WebApplication Build(Dictionary<string, string?>? configuration = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        if (configuration is not null)
        {
            builder.Configuration.AddInMemoryCollection(configuration);
            builder.Services.AddEventLedgerSecurity(builder.Configuration);
        }

        return builder.Build();
    }

    private string Token(Dictionary<string, object> claims, string? audience = null, RSA? key = null, string? issuer = null)
    {
        var now = DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? _issuerUrl,
            Audience = audience,
            IssuedAt = now,
            NotBefore = now,
            Expires = now.AddMinutes(10),
            Claims = claims,
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(key ?? _signing) { KeyId = "k1" }, SecurityAlgorithms.RsaSha256),
        });
    }

    private static Dictionary<string, object> AccessToken(string scope, string clientId = ClientId) => new()
    {
        ["sub"] = "5f1c-billing-service",
        ["client_id"] = clientId,
        ["token_use"] = "access",
        ["scope"] = scope,
    };

    private async Task<HttpResponseMessage> Post(string? token, string origin = "")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/invoices/C-1/transactions") { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (origin.Length > 0) request.Headers.Add("Origin", origin);
        return await _http.SendAsync(request);
    }

    [Fact]
    public async Task A_Cognito_access_token_of_an_allowed_client_with_the_scope_is_accepted_and_its_subject_is_the_actor()
    {
        using var response = await Post(Token(AccessToken("eventledger/ledger.write")));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("\"5f1c-billing-service\"", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Tokens_the_authority_did_not_issue_for_this_API_are_refused()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, (await Post(null)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Post(Token(AccessToken("eventledger/ledger.write", clientId: "other-client")))).StatusCode);
        using var otherKey = RSA.Create(2048);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Post(Token(AccessToken("eventledger/ledger.write"), key: otherKey))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Post(Token(AccessToken("eventledger/ledger.write"), issuer: "https://cognito-idp.example/other-pool"))).StatusCode);

        // An ID token names the app client as its audience; it is not an access token for this API.
        var idToken = Token(new Dictionary<string, object> { ["sub"] = "someone", ["token_use"] = "id", ["scope"] = "eventledger/ledger.write" }, audience: ClientId);
        Assert.Equal(HttpStatusCode.Unauthorized, (await Post(idToken)).StatusCode);
    }

    [Fact]
    public async Task A_token_for_the_configured_audience_is_accepted()
    {
        using var response = await Post(Token(new Dictionary<string, object> { ["sub"] = "ops", ["scp"] = "eventledger/ledger.write" }, audience: Audience));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Scopes_are_matched_with_the_resource_server_prefix()
    {
        Assert.Equal(HttpStatusCode.Forbidden, (await Post(Token(AccessToken("ledger.write")))).StatusCode);
        using var read = new HttpRequestMessage(HttpMethod.Get, "/invoices/C-1");
        read.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token(AccessToken("eventledger/ledger.write")));
        using var forbidden = await _http.SendAsync(read);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Contains("eventledger/ledger.read", forbidden.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Configured_origins_get_CORS_headers_and_others_do_not()
    {
        foreach (var (origin, allowed) in new[] { ("https://console.example", true), ("https://evil.example", false) })
        {
            using var preflight = new HttpRequestMessage(HttpMethod.Options, "/invoices/C-1/transactions");
            preflight.Headers.Add("Origin", origin);
            preflight.Headers.Add("Access-Control-Request-Method", "POST");
            preflight.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
            using var response = await _http.SendAsync(preflight);
            Assert.Equal(allowed, response.Headers.TryGetValues("Access-Control-Allow-Origin", out var values) && values.Single() == origin);
        }
    }

    [Fact]
    public void An_authority_without_an_audience_or_client_ids_is_refused_at_start()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Auth:Authority"] = "https://issuer.example" }).Build();
        var error = Assert.Throws<InvalidOperationException>(() => new ServiceCollection().AddEventLedgerSecurity(configuration));
        Assert.Contains("Auth__Audience", error.Message, StringComparison.Ordinal);
    }
}
