using Amazon.DynamoDBv2;
using EventLedger.Archive.Writing;
using EventLedger.Api;
using EventLedger.Api.OpenApi;
using EventLedger.Api.Security;
using EventLedger.Application;
using EventLedger.Application.Behaviors;
using EventLedger.Application.Invoices.HeadCache;
using EventLedger.EmbeddedStack;
using EventLedger.EventStore;
using EventLedger.EventStore.Tables;
using EventLedger.Projections.Contracts;
using EventLedger.Server.Memory;
using EventLedger.Server.Operations;
using EventLedger.Server.OperatorConsole;
using EventLedger.Server.Operations.Reactions;
using EventLedger.ProjectionHost.Hosting;
using EventLedger.ProjectionHost.Processing;
using EventLedger.Projections;
using EventLedger.ProjectionHost.Rebuilds;
using EventLedger.Streams.Client;
using EventLedger.Streams.Metrics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;

namespace EventLedger.Server;

/// <summary>
/// The composition root: one place that wires the stores, the command side, the API, the projection host and the
/// operator endpoints. The read models are <see cref="DeclaredReadModels.Default"/> unless the caller passes others.
/// </summary>
public static class EventLedgerWebApp
{
    /// <summary>The .NET runtime's built-in meter (dotnet.gc.*, dotnet.jit.*, dotnet.thread_pool.*), exported on /metrics.</summary>
    public const string RuntimeMeterName = "System.Runtime";

    public static async Task<WebApplication> BuildAsync(EventLedgerSettings settings, int port, LogLevel minimumLogLevel, CancellationToken ct, EventLedgerRoles roles = EventLedgerRoles.All,
        Action<IServiceCollection>? configureServices = null, IReadOnlyList<IReadModel>? readModels = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "EventLedger" });
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port));
        builder.Logging.ClearProviders();
        builder.Logging.AddEventLedgerConsole(minimumLogLevel);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);

        var services = builder.Services;
        services.AddSingleton(settings);
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<IAmazonDynamoDB>(_ => DynamoDbClients.Create(settings.DynamoDbEndpoint));
        services.AddSingleton(new EventStoreTables(settings.TablePrefix));
        services.AddSingleton<InvoiceEventStore>();
        services.AddSingleton(sp => new ReadModelVersionRegistry(sp.GetRequiredService<IAmazonDynamoDB>(), settings.TablePrefix));
        services.AddSingleton<IReadModelCatalog>(sp => new RegistryReadModelCatalog(sp.GetRequiredService<ReadModelVersionRegistry>(), settings.TablePrefix,
            clock: sp.GetRequiredService<TimeProvider>(), logger: sp.GetRequiredService<ILogger<RegistryReadModelCatalog>>()));
        services.AddSingleton(builder.Configuration.GetSection("Projections").Get<RebuildOptions>() ?? new RebuildOptions());
        services.AddSingleton(builder.Configuration.GetSection("Commands").Get<InvoiceHeadCacheOptions>() ?? new InvoiceHeadCacheOptions());
        services.AddEventLedgerApplication();
        services.AddMediator(o => o.ServiceLifetime = ServiceLifetime.Singleton);
        services.AddEventLedgerApi();
        services.AddEventLedgerOpenApi();
        services.AddEventLedgerSecurity(builder.Configuration, settings.Insecure);
        services.AddSingleton<IDynamoDbStreams>(_ => settings.DynamoDbEndpoint is { } endpoint
            ? DynamoDbStreamsClient.ForEndpoint(endpoint)
            : new DynamoDbStreamsClient());
        services.AddSingleton(builder.Configuration.GetSection("Projections").Get<ProjectionHostOptions>() is { } configured
            ? configured with { TablePrefix = settings.TablePrefix }
            : new ProjectionHostOptions { TablePrefix = settings.TablePrefix });
        services.AddHostedReadModels(settings, readModels ?? DeclaredReadModels.Default, builder.Configuration);
        if (roles.HasFlag(EventLedgerRoles.ProjectionHost))
        {
            services.AddSingleton<ProjectionMetrics>();
            services.AddSingleton<StreamsMetrics>();
            services.AddSingleton<ProjectionHostService>();
            services.AddHostedService(sp => sp.GetRequiredService<ProjectionHostService>());
            services.AddSingleton<RebuildEngine>();
            services.AddHostedService(sp => sp.GetRequiredService<RebuildEngine>());
            services.AddHostedService<ReadModelVersionFollower>();
        }

        // System.Runtime: the runtime's own meter (GC heap per generation, committed memory, fragmentation, pauses, JIT,
        // thread pool), so /metrics shows where the process's memory goes (README "Memory settings").
        services.AddOpenTelemetry().WithMetrics(m => m
            .AddMeter(CommandMetrics.MeterName, StreamsMetrics.MeterName, ProjectionMetrics.MeterName, ArchiveMetrics.MeterName, RuntimeMeterName)
            .AddPrometheusExporter());

        services.AddHostedService(sp => new NativeHeapTrimmer(
            builder.Configuration.GetValue("Memory:NativeTrimInterval", NativeHeapTrimmer.DefaultInterval), sp.GetRequiredService<ILogger<NativeHeapTrimmer>>()));

        // Last, so tests and embedders can add read models or replace options.
        configureServices?.Invoke(services);
        var app = builder.Build();
        await EventStoreSchema.EnsureCreatedAsync(app.Services.GetRequiredService<IAmazonDynamoDB>(), app.Services.GetRequiredService<EventStoreTables>(), ct);
        await app.Services.GetRequiredService<ReadModelVersionRegistry>().EnsureTableAsync(ct);
        if (roles.HasFlag(EventLedgerRoles.Api))
        {
            app.MapEventLedgerApi();
        }
        else
        {
            app.MapGet("/health", () => TypedResults.Ok(new { status = "ok" })).AllowAnonymous().Describe(EndpointTags.Service, "Liveness: 200 while the process serves");
        }

        app.MapGroup("").RequireScope(LedgerScopes.Operate).MapProjectionEndpoints();
        app.MapGroup("").RequireScope(LedgerScopes.Operate).MapReactionsEndpoints();
        app.MapGroup("").RequireScope(LedgerScopes.Operate).MapArchiveEndpoints();
        app.MapGroup("").RequireScope(LedgerScopes.Read).MapArchiveQueryEndpoints();
        app.MapPrometheusScrapingEndpoint().RequireScope(LedgerScopes.Operate);
        app.MapOperatorConsole();
        app.MapEventLedgerApiDocs();
        app.UseEventLedgerSecurity();
        return app;
    }

    /// <summary>The base address Kestrel actually bound (port 0 picks a free one).</summary>
    public static Uri BaseAddress(this WebApplication app) =>
        new(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
}
