using Amazon.DynamoDBv2;
using EventLedger.Archive.Configuration;
using EventLedger.Archive.Query;
using EventLedger.Archive.Reading;
using EventLedger.Archive.Replay;
using EventLedger.Archive.Targets;
using EventLedger.Archive.Verification;
using EventLedger.Archive.Writing;
using EventLedger.EventStore;
using EventLedger.EventStore.Tables;
using EventLedger.ProjectionHost.Hosting;
using EventLedger.ProjectionHost.Rebuilds;
using EventLedger.Streams.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace EventLedger.Archive;

public static class ArchiveServiceCollectionExtensions
{
    /// <summary>
    /// Registers the archive when one is configured (<c>Archive__Directory</c> or <c>Archive__Bucket</c>), else in
    /// <paramref name="embeddedDirectory"/> when the caller runs on the embedded stack: the consumer (hosted like a read model),
    /// queries, verification, and the archive as a rebuild source. Nothing is registered when neither is given.
    /// </summary>
    /// <exception cref="ArchiveConfigurationException">The configuration is wrong (the message says what to set).</exception>
    public static IServiceCollection AddArchive(this IServiceCollection services, IConfiguration configuration, string? embeddedDirectory)
    {
        if (ResolveSettings(configuration, embeddedDirectory) is not { } settings)
        {
            return services;
        }

        services.AddSingleton(settings);
        services.AddSingleton<IArchiveTarget>(sp => ArchiveTargets.Create(settings, sp.GetService<TimeProvider>()));
        services.AddSingleton(sp => new ArchiveCommitLog(
            sp.GetRequiredService<IAmazonDynamoDB>(), sp.GetRequiredService<ProjectionHostOptions>().LeaseTable, sp.GetService<TimeProvider>() ?? TimeProvider.System));
        services.AddSingleton(sp => new ArchiveConsumer(
            settings, sp.GetRequiredService<IArchiveTarget>(), sp.GetRequiredService<ArchiveCommitLog>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System, sp.GetRequiredService<ILoggerFactory>()));
        services.AddSingleton(sp => ReadModelHosting.Host(sp.GetRequiredService<ArchiveConsumer>(), sp.GetRequiredService<ReadModelStores>())!);
        services.AddSingleton(sp => new ArchiveObjectCache(sp.GetRequiredService<IArchiveTarget>(), CacheDirectory(settings)));
        services.AddSingleton(sp => new ArchiveQueryEngine(sp.GetRequiredService<ArchiveObjectCache>()));
        services.AddSingleton(sp => new ArchiveVerifier(
            sp.GetRequiredService<ArchiveObjectCache>(), sp.GetRequiredService<ArchiveCommitLog>(), ArchiveConsumer.Subscription,
            sp.GetRequiredService<IAmazonDynamoDB>(), sp.GetRequiredService<EventStoreTables>(), sp.GetRequiredService<IDynamoDbStreams>(),
            sp.GetService<TimeProvider>() ?? TimeProvider.System, sp.GetRequiredService<ILoggerFactory>().CreateLogger<ArchiveVerifier>()));
        services.AddSingleton<IReplaySource>(sp => new ArchiveReplaySource(
            new ArchiveManifest(sp.GetRequiredService<IArchiveTarget>()), sp.GetRequiredService<ArchiveObjectCache>(),
            sp.GetRequiredService<ArchiveCommitLog>(), ArchiveConsumer.Subscription, sp.GetRequiredService<InvoiceEventStore>(),
            sp.GetRequiredService<IAmazonDynamoDB>(), sp.GetRequiredService<EventStoreTables>(), sp.GetRequiredService<IDynamoDbStreams>()));
        return services;
    }

    /// <summary>The archive's settings from configuration, else a local directory on the embedded stack; null when there is none.</summary>
    public static ArchiveSettings? ResolveSettings(IConfiguration configuration, string? embeddedDirectory)
    {
        var options = configuration.GetSection(ArchiveOptions.Section).Get<ArchiveOptions>() ?? new ArchiveOptions();
        if (!options.IsConfigured)
        {
            if (embeddedDirectory is null)
            {
                return null;
            }

            // The embedded stack is for trying things: objects every few seconds rather than Firehose's five minutes.
            options = options with { Directory = embeddedDirectory, BufferInterval = options.BufferInterval ?? "2" };
        }

        return options.Resolve();
    }

    /// <summary>Where S3 objects are fetched to: the configured directory, else one per bucket and prefix under the temp directory.</summary>
    public static string CacheDirectory(ArchiveSettings settings) =>
        settings.CacheDirectory ?? Path.Combine(Path.GetTempPath(), "eventledger-archive-cache",
            string.Concat($"{settings.ServiceUrl}-{settings.Bucket}-{settings.Prefix}".Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_')));
}
