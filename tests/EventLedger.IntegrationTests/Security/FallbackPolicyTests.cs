using System.Net;
using EventLedger.Api.Security;
using EventLedger.Cli.Hosting;
using EventLedger.Server;
using EventLedger.IntegrationTests.Fixtures;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EventLedger.IntegrationTests.Security;

/// <summary>A route someone adds without declaring a scope: closed anyway by the fallback policy, and flagged by the matrix's check.</summary>
[Collection(StackCollection.Name)]
public sealed class FallbackPolicyTests(StackFixture stack)
{
    [Fact]
    public async Task A_route_added_without_a_scope_needs_a_token_and_is_reported_as_undeclared()
    {
        var settings = EventLedgerSettings.FromStack(stack.Stack, StackFixture.NewPrefix("fallback"));
        await using var app = await EventLedgerWebApp.BuildAsync(settings, port: 0, LogLevel.Warning, CancellationToken.None, EventLedgerRoles.Api);
        app.MapGet("/added-later", () => TypedResults.Ok("secret"));
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = app.BaseAddress() };

        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/added-later")).StatusCode);
        http.DefaultRequestHeaders.Authorization = app.Services.LocalBearer("someone", [LedgerScopes.Read], TimeSpan.FromMinutes(5));
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/added-later")).StatusCode);

        var undeclared = DeclaredEndpoints.Undeclared(DeclaredEndpoints.Of(app));
        Assert.Equal(["GET /added-later"], undeclared.Select(e => e.ToString()));
        await app.StopAsync();
    }
}
