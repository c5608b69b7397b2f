using Microsoft.Extensions.Logging;
using Npgsql;

namespace EventLedger.Projections.Contracts;

/// <summary>
/// A read model kept in PostgreSQL, one schema per version, that commits its stream checkpoint in the same transaction
/// as its rows (exactly once). Analytics is one; a Marten document read model is another.
/// </summary>
public interface IPostgresReadModel : IReadModel
{
    /// <summary>Opens one version's store, creating or migrating its schema, with its projection and checkpoints.</summary>
    Task<PostgresReadModelVersion> OpenAsync(
        NpgsqlDataSource dataSource, string tablePrefix, int version, ILoggerFactory loggerFactory, CancellationToken cancellationToken);

    /// <summary>Drops one version's schema (a rebuild retiring it, or starting over).</summary>
    Task DropAsync(NpgsqlDataSource dataSource, string tablePrefix, int version, CancellationToken cancellationToken);
}

/// <summary>One open version of a PostgreSQL read model: its projection and the checkpoints it commits with its rows.</summary>
public sealed record PostgresReadModelVersion(IProjection Projection, IStreamPositions Checkpoints);

/// <summary>Checkpoints a projection keeps in its own store, per subscription and shard.</summary>
public interface IStreamPositions
{
    Task<StreamPosition?> GetAsync(string subscription, string shardId, CancellationToken cancellationToken = default);

    Task SaveAsync(StreamPosition position, CancellationToken cancellationToken = default);
}
