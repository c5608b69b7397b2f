using Amazon.DynamoDBv2;
using EventLedger.Archive;
using EventLedger.ProjectionHost.Hosting;
using EventLedger.Projections.Analytics;
using EventLedger.Projections;
using EventLedger.Projections.Common;
using EventLedger.Projections.Contracts;
using EventLedger.Projections.Search;
using EventLedger.Reactions.Hosting;
using EventLedger.Server.Search;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EventLedger.Server;

/// <summary>Registers the read models this deployment runs: the declared list, each hosted on its store.</summary>
public static class ReadModelComposition
{
    public static IServiceCollection AddHostedReadModels(
        this IServiceCollection services, EventLedgerSettings settings, IReadOnlyList<IReadModel> readModels, IConfiguration configuration)
    {
        services.AddSingleton(new DeclaredReadModels(readModels));
        if (settings.PostgresConnectionString is { } postgres)
        {
            services.AddSingleton(_ => NpgsqlDataSource.Create(postgres));
            services.AddSingleton(sp => new AnalyticsStores(sp.GetRequiredService<NpgsqlDataSource>(), settings.TablePrefix));
        }

        services.AddSingleton(sp => new ReadModelStores(
            sp.GetRequiredService<IAmazonDynamoDB>(),
            sp.GetService<NpgsqlDataSource>(),
            settings.TablePrefix,
            sp.GetRequiredService<ILoggerFactory>(),
            sp.GetService<HotTierRetention>()));
        foreach (var readModel in readModels)
        {
            if (readModel is IPostgresReadModel && settings.PostgresConnectionString is null)
            {
                continue; // no PostgreSQL configured or started: the PostgreSQL read models are not hosted
            }

            services.AddSingleton(sp => ReadModelHosting.Host(readModel, sp.GetRequiredService<ReadModelStores>())!);
        }

        services.AddInvoiceSearch(settings.PostgresConnectionString, settings.TablePrefix);

        // Reactions are declared in projections/EventLedger.Projections/Reactions; which ones run, and where they deliver,
        // is configuration (Reactions__…), so they are registered from it.
        services.AddReactions(configuration, settings.TablePrefix, settings.AwsEndpoint);

        // The seven-year archive (Archive__…, else the embedded stack's directory) is one more consumer of the stream; hot-tier
        // retention (Retention__…) puts a TTL on invoice-history rows while the archive keeps the events.
        services.AddArchive(configuration, settings.ArchiveDirectory);
        services.AddSingleton(configuration.GetSection(HotTierRetention.Section).Get<HotTierRetention>()?.Validated() ?? new HotTierRetention());
        return services;
    }
}

/// <summary>The read models this deployment declares (<see cref="Default"/> unless a test or an embedder passes another list).</summary>
public sealed record DeclaredReadModels(IReadOnlyList<IReadModel> All)
{
    /// <summary>
    /// Every read model the server runs: the core list (<see cref="ReadModelCatalog.All"/>) and the read models kept in
    /// projects of their own because of what they depend on (search, on Marten). Adding one is one line here or there.
    /// </summary>
    public static IReadOnlyList<IReadModel> Default { get; } = [.. ReadModelCatalog.All, new InvoiceSearchReadModel()];
}
