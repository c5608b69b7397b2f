using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text;
using System.Text.Json;
using EventLedger.Api.Security;
using EventLedger.IntegrationTests.Fixtures;

namespace EventLedger.IntegrationTests.Security;

/// <summary>The audit trail's actor is the token's principal; a header the caller writes cannot change it.</summary>
[Collection(StackCollection.Name)]
public sealed class ActorTests(StackFixture stack) : IAsyncLifetime
{
    private TestApp _app = null!;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(stack, "actor");

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Fact]
    public async Task A_forged_X_Actor_header_cannot_change_the_recorded_actor()
    {
        var token = _app.Get<LocalTokenIssuer>().Mint("billing-service", [LedgerScopes.Write, LedgerScopes.Read], TimeSpan.FromMinutes(10));
        using var http = new HttpClient { BaseAddress = _app.Http.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);

        long version = 0;
        foreach (var (method, path, body) in new[]
        {
            (HttpMethod.Post, "/invoices/ACT-1/transactions", """{"transactionId":"t1","amount":10,"currency":"EUR","country":"DEU","invoiceDate":"2016-06-06"}"""),
            (HttpMethod.Put, "/invoices/ACT-1/countries/DEU/verifier", """{"verifier":"ana"}"""),
            (HttpMethod.Put, "/invoices/ACT-1/transactions/t1", """{"amount":12}"""),
        })
        {
            using var request = new HttpRequestMessage(method, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Add("X-Actor", "mallory");
            using var response = await http.SendAsync(request);
            Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            version = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt64();
        }

        var events = await http.GetFromJsonAsync<JsonElement>("/invoices/ACT-1/events");
        Assert.Equal(3, events.GetArrayLength());
        Assert.All(events.EnumerateArray(), e => Assert.Equal("billing-service", e.GetProperty("metadata").GetProperty("actor").GetString()));

        var history = await http.GetFromJsonAsync<JsonElement>($"/invoices/ACT-1/history?minVersion={version}&waitMs=20000");
        Assert.Equal(3, history.GetArrayLength());
        Assert.All(history.EnumerateArray(), e => Assert.Equal("billing-service", e.GetProperty("metadata").GetProperty("actor").GetString()));
    }

    [Fact]
    public async Task Two_principals_are_recorded_as_themselves()
    {
        var issuer = _app.Get<LocalTokenIssuer>();
        foreach (var subject in new[] { "alice", "bob" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/invoices/ACT-2/transactions")
            {
                Content = new StringContent($$"""{"transactionId":"{{subject}}","amount":1,"currency":"EUR","country":"DEU","invoiceDate":"2016-06-06"}""", Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = issuer.Bearer(subject, [LedgerScopes.Write], TimeSpan.FromMinutes(5));
            Assert.Equal(HttpStatusCode.Created, (await _app.Http.SendAsync(request)).StatusCode);
        }

        var events = await _app.Http.GetFromJsonAsync<JsonElement>("/invoices/ACT-2/events");
        Assert.Equal(["alice", "bob"], events.EnumerateArray().Select(e => e.GetProperty("metadata").GetProperty("actor").GetString()));
    }

    [Fact]
    public void The_actor_is_sub_else_client_id_else_anonymous()
    {
        static ClaimsPrincipal User(params (string Type, string Value)[] claims) =>
            new(new ClaimsIdentity(claims.Select(c => new Claim(c.Type, c.Value)), authenticationType: "Bearer"));

        Assert.Equal("svc", LedgerPrincipal.ActorOf(User(("sub", "svc"), ("client_id", "app-1"))));
        Assert.Equal("app-1", LedgerPrincipal.ActorOf(User(("client_id", "app-1"))));
        Assert.Equal(LedgerPrincipal.Anonymous, LedgerPrincipal.ActorOf(new ClaimsPrincipal(new ClaimsIdentity())));
        Assert.True(LedgerPrincipal.HasScope(User(("scope", "ledger.read ledger.write")), LedgerScopes.Write));
        Assert.True(LedgerPrincipal.HasScope(User(("scp", "ledger.operate")), LedgerScopes.Operate));
        Assert.False(LedgerPrincipal.HasScope(User(("scope", "ledger.readonly")), LedgerScopes.Read));
    }
}
