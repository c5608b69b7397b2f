using System.Collections.Concurrent;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.Projections.Common;
using EventLedger.Projections.Contracts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EventLedger.ProjectionHost.Rebuilds;

/// <summary>
/// The live table of each read model from the version registry, cached for <paramref name="ttl"/> (default 1 s) so a
/// query does not pay a registry read; after a switch readers move within the TTL. No entry: version 1. If the registry
/// cannot be read, the last known version is served (logged), so queries do not fail because of it.
/// </summary>
public sealed partial class RegistryReadModelCatalog(
    ReadModelVersionRegistry registry,
    string tablePrefix,
    TimeSpan? ttl = null,
    TimeProvider? clock = null,
    ILogger<RegistryReadModelCatalog>? logger = null) : IReadModelCatalog
{
    private readonly ConcurrentDictionary<string, (int Version, DateTimeOffset Expires)> _cache = new(StringComparer.Ordinal);
    private readonly TimeSpan _ttl = ttl ?? TimeSpan.FromSeconds(1);
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private readonly ILogger _logger = logger ?? NullLogger<RegistryReadModelCatalog>.Instance;

    public async ValueTask<ReadModelTable> LiveTableAsync(string name, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        if (_cache.TryGetValue(name, out var cached) && cached.Expires > now)
        {
            return new ReadModelTable(tablePrefix, name, cached.Version);
        }

        int version;
        try
        {
            version = (await registry.GetPointerAsync(name, cancellationToken)).LiveVersion;
        }
        catch (ResourceNotFoundException ex)
        {
            // No registry table yet: nothing was ever rebuilt, so every read model is live at version 1.
            LogNoRegistry(_logger, ex, registry.TableName, name);
            version = 1;
        }
        catch (AmazonDynamoDBException ex) when (cached.Version > 0)
        {
            // A query should not fail because the registry could not be read; the last known version is right unless a
            // switch happened meanwhile, and the grace period keeps the old version fed and readable for that case.
            LogServingCached(_logger, ex, name, cached.Version);
            version = cached.Version;
        }

        _cache[name] = (version, now + _ttl);
        return new ReadModelTable(tablePrefix, name, version);
    }

    /// <summary>Forgets the cached version (this process just switched it).</summary>
    public void Invalidate(string name) => _cache.TryRemove(name, out _);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Version registry {Table} does not exist; read model {ReadModel} is read at version 1")]
    private static partial void LogNoRegistry(ILogger logger, Exception ex, string table, string readModel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading the live version of {ReadModel} from the registry failed; serving the last known version {Version}")]
    private static partial void LogServingCached(ILogger logger, Exception ex, string readModel, int version);
}
