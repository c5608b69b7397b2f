using Amazon.DynamoDBv2;
using EventLedger.ProjectionHost.Hosting;
using EventLedger.Projections;
using EventLedger.Projections.Common;
using Microsoft.Extensions.DependencyInjection;

namespace EventLedger.Cli.Hosting;

/// <summary>The read models this deployment hosts, each able to build its projection for a given version.</summary>
public static class ReadModelComposition
{
    public static IServiceCollection AddHostedReadModels(this IServiceCollection services, EventLedgerSettings settings)
    {
        foreach (var registration in ProjectionRegistrations.DynamoDb)
        {
            services.AddSingleton(sp => new HostedReadModel(registration.Name, registration.SchemaVersion, async (version, ct) =>
            {
                var projection = await ProjectionRegistrations.CreateDynamoDbProjectionAsync(
                    sp.GetRequiredService<IAmazonDynamoDB>(), new ReadModelTable(settings.TablePrefix, registration.Name, version), null, ct);
                return new HostedProjection(projection);
            }, (version, ct) => registration.Table(new ReadModelTable(settings.TablePrefix, registration.Name, version).TableName)
                .DeleteIfExistsAsync(sp.GetRequiredService<IAmazonDynamoDB>(), ct)));
        }

        return services;
    }
}
