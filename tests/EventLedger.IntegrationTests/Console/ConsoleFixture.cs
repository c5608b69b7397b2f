using System.CommandLine;
using EventLedger.Cli.Commands;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.IntegrationTests.ProjectionHost;
using EventLedger.IntegrationTests.Reactions;
using EventLedger.IntegrationTests.Rebuild;
using EventLedger.ProjectionHost.Hosting;
using EventLedger.Reactions.Configuration;
using EventLedger.Reactions.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace EventLedger.IntegrationTests.OperatorConsole;

/// <summary>
/// One server and one headless chromium for all the console tests: the real app with every read model plus a
/// <see cref="FaultyReadModel"/> that parks invoices named POISON-*, a <see cref="PacedRebuild"/>, the zero-amount-alerts
/// reaction delivering to a <see cref="WebhookReceiver"/> (so a reaction is hosted too), fast rebuild settings, and the
/// sign-in link that <c>eventledger console</c> prints for it. Started by the first test (xunit v2 gives class fixtures no collection fixture).
/// </summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    private readonly SemaphoreSlim _starting = new(1, 1);

    public TestApp App { get; private set; } = null!;
    public string TablePrefix { get; } = StackFixture.NewPrefix("console");
    public FaultyReadModel Faulty { get; } = new(invoice => invoice.StartsWith("POISON", StringComparison.Ordinal));
    public PacedRebuild Paced { get; } = new();
    public HeadlessChromium Browser { get; private set; } = null!;
    public WebhookReceiver Alerts { get; private set; } = null!;

    /// <summary>What <c>eventledger console --url … --no-open</c> printed: <c>{server}/console#token=…</c>.</summary>
    public string SignInLink { get; private set; } = "";

    public async Task StartAsync(StackFixture stack)
    {
        await _starting.WaitAsync();
        try
        {
            if (App is not null) return;
            // The browser first: without chromium the tests fail at once, saying what to install.
            Browser ??= HeadlessChromium.Start();
            Alerts ??= await WebhookReceiver.StartAsync();
            var reactions = new ConfigurationBuilder().AddInMemoryCollection(ReactionsTestApp.Webhook("ZeroAmountAlerts", Alerts)).Build();
            App = await TestApp.StartAsync(stack, "console", services =>
            {
                foreach (var reaction in ReactionsConfiguration.Read(reactions))
                {
                    services.AddReaction(reaction);
                }

                Faulty.Register(services, TablePrefix);
                services.AddSingleton(new ProjectionHostOptions { TablePrefix = TablePrefix, MaximumRetryAttempts = 1, BatchSize = 10 });
                // Small pages, so that the paced rebuild shows progress before it holds.
                services.AddSingleton(RebuildHarness.FastOptions(pageSize: 50));
                services.AddSingleton(Paced.ReadModel(TablePrefix));
            }, tablePrefix: TablePrefix);

            var output = new StringWriter();
            var errors = new StringWriter();
            var exit = await new RootCommand { ConsoleCommand.Create() }
                .Parse(["console", "--url", App.Http.BaseAddress!.ToString(), "--no-open"])
                .InvokeAsync(new InvocationConfiguration { Output = output, Error = errors });
            if (exit != 0) throw new InvalidOperationException($"eventledger console exited {exit}: {errors}");
            SignInLink = output.ToString().Trim();
        }
        finally
        {
            _starting.Release();
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        Browser?.Dispose();
        if (App is not null) await App.DisposeAsync();
        if (Alerts is not null) await Alerts.DisposeAsync();
        _starting.Dispose();
    }
}
