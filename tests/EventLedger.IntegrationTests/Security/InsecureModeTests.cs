using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EventLedger.Api.Security;
using EventLedger.Cli.Hosting;
using EventLedger.Server;
using EventLedger.IntegrationTests.Fixtures;
using Microsoft.Extensions.Logging;

namespace EventLedger.IntegrationTests.Security;

/// <summary><c>serve --insecure</c>: no token needed anywhere, the actor is 'anonymous', and every response says authentication is off.</summary>
[Collection(StackCollection.Name)]
public sealed class InsecureModeTests(StackFixture stack)
{
    [Fact]
    public async Task An_insecure_server_accepts_callers_without_a_token_and_says_so()
    {
        var settings = EventLedgerSettings.FromStack(stack.Stack, StackFixture.NewPrefix("insecure")) with { Insecure = true };
        await using var app = await EventLedgerWebApp.BuildAsync(settings, port: 0, LogLevel.Warning, CancellationToken.None, EventLedgerRoles.Api);
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = app.BaseAddress() };

        using var request = new HttpRequestMessage(HttpMethod.Post, "/invoices/INS-1/transactions")
        {
            Content = new StringContent("""{"transactionId":"t1","amount":5,"currency":"USD","country":"USA","invoiceDate":"2016-06-06"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("X-Actor", "mallory");
        Assert.Equal(HttpStatusCode.Created, (await http.SendAsync(request)).StatusCode);

        var events = await http.GetFromJsonAsync<JsonElement>("/invoices/INS-1/events");
        Assert.Equal(LedgerPrincipal.Anonymous, events[0].GetProperty("metadata").GetProperty("actor").GetString());

        using var projections = await http.GetAsync("/projections");
        Assert.Equal(HttpStatusCode.OK, projections.StatusCode);
        Assert.Contains(projections.Headers.Warning, w => w.Code == 299 && w.Text.Contains("authentication is off", StringComparison.Ordinal));
        await app.StopAsync();
    }
}
