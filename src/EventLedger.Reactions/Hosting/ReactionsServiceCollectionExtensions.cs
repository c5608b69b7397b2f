using Amazon.DynamoDBv2;
using EventLedger.ProjectionHost.Hosting;
using EventLedger.Reactions.Configuration;
using EventLedger.Reactions.Delivery;
using EventLedger.Reactions.Redelivery;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Metrics;

namespace EventLedger.Reactions.Hosting;

/// <summary>Registers the reactions: each one that has a sink becomes a <see cref="HostedReadModel"/> the projection host runs.</summary>
public static class ReactionsServiceCollectionExtensions
{
    /// <summary>The built-in and configured reactions from <c>Reactions</c> in <paramref name="configuration"/>.</summary>
    /// <exception cref="ReactionConfigurationException">The configuration cannot work (the message names the key).</exception>
    public static IServiceCollection AddReactions(this IServiceCollection services, IConfiguration configuration, string tablePrefix, string? awsEndpoint)
    {
        services.TryAddSingleton(new ReactionsHostSettings(tablePrefix, awsEndpoint));
        services.TryAddSingleton(sp => new ReactionStateStore(sp.GetRequiredService<IAmazonDynamoDB>(), sp.GetRequiredService<ReactionsHostSettings>().TablePrefix));
        services.TryAddSingleton<ReactionRegistry>();
        services.TryAddSingleton<RedeliveryService>();
        services.TryAddSingleton(TimeProvider.System);
        services.ConfigureOpenTelemetryMeterProvider(m => m.AddMeter(ReactionMetrics.MeterName));
        foreach (var reaction in ReactionsConfiguration.Read(configuration))
        {
            services.AddReaction(reaction);
        }

        return services;
    }

    /// <summary>One reaction (replacing an earlier registration of the same name); hosted when it has a sink.</summary>
    public static IServiceCollection AddReaction(this IServiceCollection services, ConfiguredReaction reaction)
    {
        var hosted = services.FirstOrDefault(d => d.ServiceType == typeof(HostedReactions) && d.ImplementationInstance is not null)?.ImplementationInstance as HostedReactions;
        if (hosted is null)
        {
            hosted = new HostedReactions();
            services.AddSingleton(hosted);
        }

        if (hosted.Descriptors.Remove(reaction.Name, out var previous))
        {
            services.Remove(previous);
        }

        services.AddSingleton(reaction);
        if (reaction.IsOn)
        {
            var descriptor = ServiceDescriptor.Singleton(sp => new HostedReadModel(reaction.Name, ReactionProjection.HostSchemaVersion, (_, _) =>
                Task.FromResult(new HostedProjection(new ReactionProjection(sp.GetRequiredService<ReactionRegistry>().Runtime(reaction.Name)))),
                NotRebuiltBecause: ReactionProjection.NotRebuiltBecause(reaction.Name)));
            services.Add(descriptor);
            hosted.Descriptors[reaction.Name] = descriptor;
        }

        return services;
    }

    /// <summary>The host registrations made so far, by reaction name, so a later registration can replace one.</summary>
    private sealed class HostedReactions
    {
        public Dictionary<string, ServiceDescriptor> Descriptors { get; } = new(StringComparer.Ordinal);
    }
}
