using System.CommandLine;
using EventLedger.Server;
using EventLedger.Server.Memory;
using EventLedger.Cli.Hosting;
using EventLedger.Archive.Configuration;
using EventLedger.EmbeddedStack;
using EventLedger.Reactions.Configuration;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EventLedger.Cli.Commands;

/// <summary><c>eventledger serve --port N</c>: the API (and projection host) on 127.0.0.1:N until Ctrl-C or SIGTERM.</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "Port to listen on (127.0.0.1)", DefaultValueFactory = _ => 5080 };
        var role = new Option<string>("--role")
        {
            Description = "What to run: all (API + projection host), api, or host (projection host only, with /health, /metrics, /projections)",
            DefaultValueFactory = _ => "all",
        };
        role.AcceptOnlyFromAmong("all", "api", "host");
        var insecure = new Option<bool>("--insecure") { Description = "Turn authentication off: any caller may write, read and operate (local experiments only)" };
        var command = new Command("serve", "Run the HTTP API and the projection host; starts the local stack unless endpoints are configured") { port, role, insecure };
        command.SetAction(async (parse, ct) =>
        {
            var portValue = parse.GetValue(port);
            if (portValue is < 0 or > 65535)
            {
                await Console.Error.WriteLineAsync($"--port must be 0-65535, not {portValue}");
                return 2;
            }

            using var loggerFactory = ConsoleLogging.CreateFactory(LogLevel.Information);
            await using var stack = await LocalStack.StartAsync(EmbeddedStackOptions.FromEnvironment() with { NeedAwsEmulator = ReactionsConfiguration.NeedsAwsEndpoint(new ConfigurationBuilder().AddEnvironmentVariables().Build()) }, loggerFactory.CreateLogger("LocalStack"), ct);
            var settings = EventLedgerSettings.FromStack(stack) with { Insecure = parse.GetValue(insecure) };
            settings = settings with { ArchiveDirectory = stack.StartedComponents.Contains(LocalStack.DynamoDbLocal) ? EmbeddedArchive.NewRun(settings.TablePrefix) : null };
            var roles = parse.GetValue(role) switch
            {
                "api" => EventLedgerRoles.Api,
                "host" => EventLedgerRoles.ProjectionHost,
                _ => EventLedgerRoles.All,
            };
            // The server process alone gives its start-up code back once start-up is over (ADR 0017).
            await using var app = await EventLedgerWebApp.BuildAsync(settings, portValue, LogLevel.Information, ct, roles,
                configureServices: services => services.AddStartupCodeRelease());
            await app.StartAsync(ct);
            Console.WriteLine($"EventLedger ({roles}) listening on {app.BaseAddress()} (DynamoDB {settings.DynamoDbEndpoint ?? "AWS"}); Ctrl-C to stop.");
            try
            {
                await app.WaitForShutdownAsync(ct);
            }
            catch (OperationCanceledException)
            {
            }

            await app.StopAsync(CancellationToken.None);
            return 0;
        });
        return command;
    }
}
