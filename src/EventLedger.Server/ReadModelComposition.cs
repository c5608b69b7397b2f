using Amazon.DynamoDBv2;
using EventLedger.ProjectionHost.Hosting;
using EventLedger.Projections.Analytics;
using EventLedger.Projections.Contracts;
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
            sp.GetRequiredService<ILoggerFactory>()));
        foreach (var readModel in readModels)
        {
            if (readModel is IPostgresReadModel && settings.PostgresConnectionString is null)
            {
                continue; // no PostgreSQL configured or started: the PostgreSQL read models are not hosted
            }

            services.AddSingleton(sp => ReadModelHosting.Host(readModel, sp.GetRequiredService<ReadModelStores>())!);
        }

        // Reactions are declared in projections/EventLedger.Projections/Reactions; which ones run, and where they deliver,
        // is configuration (Reactions__…), so they are registered from it.
        services.AddInvoiceSearch(settings.PostgresConnectionString, settings.TablePrefix);
        services.AddReactions(configuration, settings.TablePrefix, settings.AwsEndpoint);
        return services;
    }
}

/// <summary>The read models this deployment declares (<c>ReadModelCatalog.All</c> unless a test or an embedder passes another list).</summary>
public sealed record DeclaredReadModels(IReadOnlyList<IReadModel> All);
