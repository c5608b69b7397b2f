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
        services.AddSingleton(sp => new InvoiceSearchStores(sp.GetRequiredService<NpgsqlDataSource>(), tablePrefix));
        return services;
    }
}
