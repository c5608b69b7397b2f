using EventLedger.Projections.Search;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace EventLedger.Server.Search;

/// <summary>The search read model's stores for the API (<c>GET /search</c>); the read model itself is hosted from the declared list.</summary>
public static class InvoiceSearchRegistration
{
    /// <summary>Adds the per-version search stores when PostgreSQL is configured, on the data source analytics shares.</summary>
    public static IServiceCollection AddInvoiceSearch(this IServiceCollection services, string? postgresConnectionString, string tablePrefix)
    {
        if (postgresConnectionString is null)
        {
            return services;
        }

        services.TryAddSingleton(_ => NpgsqlDataSource.Create(postgresConnectionString));
        // The hosted read model's own stores when search is declared (one Marten document store per version per process;
        // a second set here built a second store, and compiled the mapping again, on the first query), else stores of our own.
        services.AddSingleton(sp =>
        {
            var dataSource = sp.GetRequiredService<NpgsqlDataSource>();
            return sp.GetService<DeclaredReadModels>()?.All.OfType<InvoiceSearchReadModel>().FirstOrDefault() is { } declared
                ? declared.StoresFor(dataSource, tablePrefix)
                : new InvoiceSearchStores(dataSource, tablePrefix);
        });
        return services;
    }
}
