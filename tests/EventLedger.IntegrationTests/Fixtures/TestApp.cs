using EventLedger.Api.Security;
using EventLedger.Projections.Contracts;
using EventLedger.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EventLedger.IntegrationTests.Fixtures;

/// <summary>The real EventLedger web app on a free loopback port, on the shared stack, with its own table prefix.</summary>
public sealed class TestApp : IAsyncDisposable
{
    private TestApp(WebApplication app, EventLedgerSettings settings)
    {
        App = app;
        Settings = settings;
        Http = new HttpClient { BaseAddress = app.BaseAddress(), Timeout = TimeSpan.FromSeconds(60) };
        // Existing tests call as a principal with every scope; tests of the security layer make their own tokens.
        Http.DefaultRequestHeaders.Authorization = app.Services.LocalBearer("integration-tests", LedgerScopes.All, TimeSpan.FromHours(4));
    }

    public WebApplication App { get; }
    public EventLedgerSettings Settings { get; }
    public HttpClient Http { get; }
    public T Get<T>() where T : notnull => App.Services.GetRequiredService<T>();

    public static async Task<TestApp> StartAsync(StackFixture stack, string name, Action<IServiceCollection>? configureServices = null,
        EventLedgerRoles roles = EventLedgerRoles.All, string? tablePrefix = null, string? postgresConnectionString = null,
        IReadOnlyList<IReadModel>? readModels = null)
    {
        var settings = EventLedgerSettings.FromStack(stack.Stack, tablePrefix ?? StackFixture.NewPrefix(name));
        if (postgresConnectionString is not null)
        {
            settings = settings with { PostgresConnectionString = postgresConnectionString };
        }

        var app = await EventLedgerWebApp.BuildAsync(settings, port: 0, LogLevel.Warning, CancellationToken.None, roles, configureServices, readModels);
        await app.StartAsync();
        return new TestApp(app, settings);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
