using System.Collections.Concurrent;
using Amazon.DynamoDBv2.Model;
using EventLedger.Projections.Common;
using EventLedger.Projections.Contracts;

namespace EventLedger.ProjectionHost.Rebuilds;

/// <summary>
/// The live table of each read model from the version registry, cached for <paramref name="ttl"/> (default 1 s) so a
/// query does not pay a registry read; after a switch readers move within the TTL. No entry: version 1. If the registry
/// cannot be read, the last known version (or 1) is served, so queries never fail because of it.
/// </summary>
public sealed class RegistryReadModelCatalog(ReadModelVersionRegistry registry, string tablePrefix, TimeSpan? ttl = null, TimeProvider? clock = null) : IReadModelCatalog
{
    private readonly ConcurrentDictionary<string, (int Version, DateTimeOffset Expires)> _cache = new(StringComparer.Ordinal);
    private readonly TimeSpan _ttl = ttl ?? TimeSpan.FromSeconds(1);
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

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
        catch (ResourceNotFoundException)
        {
            version = 1;
        }
        catch (Amazon.DynamoDBv2.AmazonDynamoDBException) when (cached.Version > 0)
        {
            version = cached.Version;
        }

        _cache[name] = (version, now + _ttl);
        return new ReadModelTable(tablePrefix, name, version);
    }

    /// <summary>Forgets the cached version (this process just switched it).</summary>
    public void Invalidate(string name) => _cache.TryRemove(name, out _);
}
