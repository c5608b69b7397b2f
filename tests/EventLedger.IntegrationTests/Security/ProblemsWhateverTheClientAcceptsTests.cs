using System.Net;
using System.Net.Http.Headers;
using System.Text;
using EventLedger.Api.Security;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.Server;
using Microsoft.Extensions.DependencyInjection;

namespace EventLedger.IntegrationTests.Security;

/// <summary>
/// A client that accepts only HTML (a browser's address bar, a link) or only an event stream (the console's status
/// feed) is still refused with the refusal's status and problem details, not a 500: the framework's problem writer
/// negotiates on Accept and finds nothing to write for those.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ProblemsWhateverTheClientAcceptsTests(StackFixture stack)
{
    private const string ProblemJson = "application/problem+json";

    [Theory]
    [InlineData("text/html")]
    [InlineData("text/event-stream")]
    public async Task A_missing_token_is_401_and_a_missing_scope_403_as_problem_json(string accept)
    {
        await using var app = await TestApp.StartAsync(stack, "accepthtml", roles: EventLedgerRoles.Api);
        var issuer = app.Get<LocalTokenIssuer>();
        using var http = new HttpClient { BaseAddress = app.Http.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

        foreach (var path in new[] { "/projections", "/projections/stream", "/invoices/ACC-1" })
        {
            using var anonymous = await http.SendAsync(Get(path, accept, null), HttpCompletionOption.ResponseHeadersRead);
            Assert.True(anonymous.StatusCode == HttpStatusCode.Unauthorized, $"GET {path} (Accept: {accept}) without a token: {(int)anonymous.StatusCode}");
            Assert.Contains(anonymous.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
            await AssertProblemAsync(anonymous, "unauthenticated");
        }

        // ledger.write only: no read, no operate.
        var writer = issuer.Mint("accept-tests", [LedgerScopes.Write], TimeSpan.FromMinutes(10));
        foreach (var path in new[] { "/projections", "/projections/stream", "/invoices/ACC-1" })
        {
            using var forbidden = await http.SendAsync(Get(path, accept, writer), HttpCompletionOption.ResponseHeadersRead);
            Assert.True(forbidden.StatusCode == HttpStatusCode.Forbidden, $"GET {path} (Accept: {accept}) without the scope: {(int)forbidden.StatusCode}");
            await AssertProblemAsync(forbidden, "insufficient-scope");
        }
    }

    [Fact]
    public async Task A_rejected_command_is_409_problem_json_to_a_client_that_accepts_only_html()
    {
        await using var app = await TestApp.StartAsync(stack, "accepthtmlcmd", roles: EventLedgerRoles.Api);
        HttpRequestMessage Record() => new(HttpMethod.Post, "/invoices/ACC-2/transactions")
        {
            Content = new StringContent("""{"transactionId":"t1","amount":5,"currency":"USD","country":"USA","invoiceDate":"2016-06-06"}""", Encoding.UTF8, "application/json"),
            Headers = { Accept = { new MediaTypeWithQualityHeaderValue("text/html") } },
        };

        using var first = await app.Http.SendAsync(Record());
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        using var duplicate = await app.Http.SendAsync(Record());

        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        await AssertProblemAsync(duplicate, code: null);
    }

    [Fact]
    public async Task Over_the_rate_limit_a_client_that_accepts_only_html_gets_429_problem_json()
    {
        await using var app = await TestApp.StartAsync(stack, "accepthtmlrate",
            s => s.AddSingleton(new EventLedgerLimitsOptions { PermitsPerSecond = 1, Burst = 2 }), roles: EventLedgerRoles.Api);
        var token = app.Get<LocalTokenIssuer>().Mint("accept-rate", [LedgerScopes.Operate], TimeSpan.FromMinutes(10));
        using var http = new HttpClient { BaseAddress = app.Http.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => http.SendAsync(Get("/projections", "text/html", token))));
        try
        {
            Assert.DoesNotContain(responses, r => (int)r.StatusCode >= 500);
            var rejected = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToList();
            Assert.NotEmpty(rejected);
            await AssertProblemAsync(rejected[0], "rate-limited");
        }
        finally
        {
            foreach (var response in responses) response.Dispose();
        }
    }

    private static HttpRequestMessage Get(string path, string accept, string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd(accept);
        if (token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, string? code)
    {
        Assert.Equal(ProblemJson, response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadJsonAsync();
        Assert.Equal((int)response.StatusCode, problem.GetProperty("status").GetInt32());
        Assert.True(problem.TryGetProperty("title", out _), $"a problem without a title: {problem}");
        var actual = problem.GetProperty("code").GetString();
        Assert.False(string.IsNullOrEmpty(actual), $"a problem without a code: {problem}");
        if (code is not null) Assert.Equal(code, actual);
    }
}
