using System.Net;
using System.Net.Http.Headers;
using System.Text;
using EventLedger.Api.Security;
using EventLedger.IntegrationTests.Fixtures;

namespace EventLedger.IntegrationTests.Security;

/// <summary>
/// Every route of the real server (read from its EndpointDataSource, not listed by hand) × every kind of token: a route
/// that declares no scope and is not explicitly anonymous fails here, so a new route cannot ship unprotected.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class EndpointSecurityMatrixTests(StackFixture stack) : IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(stack, "secmatrix");

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public void Every_route_declares_a_scope_or_is_explicitly_anonymous()
    {
        var endpoints = DeclaredEndpoints.Of(_app.App);
        Assert.True(endpoints.Count >= 20, $"expected the whole API, found {endpoints.Count} routes: {string.Join(", ", endpoints)}");
        var undeclared = DeclaredEndpoints.Undeclared(endpoints);
        Assert.True(undeclared.Count == 0, "Routes without a scope requirement that are not explicitly anonymous: " + string.Join(", ", undeclared));
    }

    [Fact]
    public void Each_route_requires_the_scope_the_contract_gives_it()
    {
        var wrong = DeclaredEndpoints.Of(_app.App)
            .Select(e => (Endpoint: e, Expected: DeclaredEndpoints.ExpectedScope(e), Declared: e.Anonymous ? "anonymous" : e.Scope))
            .Where(x => x.Expected is not null && x.Expected != x.Declared)
            .Select(x => $"{x.Endpoint} declares {x.Declared ?? "nothing"}, the contract says {x.Expected}")
            .ToList();
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
        Assert.Contains(DeclaredEndpoints.Of(_app.App), e => e.Method == "POST" && e.Pattern == "/invoices/{invoiceNumber}/transactions" && e.Scope == LedgerScopes.Write);
    }

    [Fact]
    public async Task Every_route_answers_every_kind_of_token_as_the_contract_says()
    {
        var issuer = _app.Get<LocalTokenIssuer>();
        using var http = new HttpClient { BaseAddress = _app.Http.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        var failures = new List<string>();
        var requests = 0;
        foreach (var endpoint in DeclaredEndpoints.Of(_app.App))
        {
            if (endpoint.Anonymous)
            {
                using var open = await http.SendAsync(Request(endpoint, null));
                requests++;
                if (open.StatusCode != HttpStatusCode.OK) failures.Add($"{endpoint} without a token: {(int)open.StatusCode}, expected 200");
                continue;
            }

            foreach (var kind in Enum.GetValues<TokenCase>())
            {
                // Headers only: a stream (GET /projections/stream) never ends, and its status is all this checks.
                using var response = await http.SendAsync(Request(endpoint, Tokens.For(issuer, kind, endpoint.Scope!)), HttpCompletionOption.ResponseHeadersRead);
                requests++;
                if (await Check(kind, endpoint, response) is { } failure) failures.Add(failure);
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {requests} requests answered wrongly:\n" + string.Join("\n", failures));
    }

    private static async Task<string?> Check(TokenCase kind, DeclaredEndpoint endpoint, HttpResponseMessage response)
    {
        var status = (int)response.StatusCode;
        var what = $"{endpoint} with {kind}: {status}";
        switch (kind)
        {
            case TokenCase.RightScope:
                return status is 401 or 403 or 415 or (>= 500 and not 503) ? $"{what}, expected the endpoint to run" : null;
            case TokenCase.MissingScope:
                if (status != 403) return $"{what}, expected 403";
                var problem = await response.Content.ReadJsonAsync();
                return response.Content.Headers.ContentType?.MediaType == "application/problem+json" && problem.GetProperty("code").GetString() == "insufficient-scope"
                    ? null
                    : $"{what} without problem details: {problem}";
            default:
                if (status != 401) return $"{what}, expected 401";
                return response.Headers.WwwAuthenticate.Any(h => h.Scheme == "Bearer") ? null : $"{what} without WWW-Authenticate: Bearer";
        }
    }

    private static HttpRequestMessage Request(DeclaredEndpoint endpoint, string? token)
    {
        var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), endpoint.Path());
        if (endpoint.Method is "POST" or "PUT" or "PATCH")
        {
            // An empty object: reaches the endpoint's own validation (400) once past authorization, and writes nothing.
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }

        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }
}
