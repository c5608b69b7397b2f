using EventLedger.Projections.Contracts;
using Npgsql;

namespace EventLedger.Projections.Analytics;

/// <summary>
/// The analytics read model's stream checkpoints. They live in the read model's own schema and are written by
/// <see cref="AnalyticsProjection"/> in the same transaction as the rows of the batch (when the batch carries a
/// <see cref="ProjectionBatch.Position"/>), so the host must resume the analytics subscription from here, not from a
/// checkpoint kept elsewhere: a checkpoint here always describes rows that are committed.
/// </summary>
public sealed class AnalyticsCheckpoints : IStreamPositions
{
    private readonly AnalyticsStore _store;
    private readonly AnalyticsSql _sql;

    public AnalyticsCheckpoints(AnalyticsStore store)
    {
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _sql = new AnalyticsSql(store.Schema);
    }

    /// <summary>The position of the last committed batch of <paramref name="subscription"/> in the shard, or null to start from the shard's beginning.</summary>
    public Task<StreamPosition?> GetAsync(string subscription, string shardId, CancellationToken cancellationToken = default) =>
        _store.ExecuteAsync("reading a checkpoint", async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(
                $"select sequence_number from {_store.Schema}.checkpoints where subscription = $1 and shard_id = $2", connection)
            {
                Parameters = { new() { Value = subscription }, new() { Value = shardId } },
            };
            return await command.ExecuteScalarAsync(ct) is string sequence
                ? new StreamPosition(subscription, shardId, sequence)
                : null;
        }, cancellationToken);

    /// <summary>Every shard's position for a subscription (status pages, rebuild catch-up).</summary>
    public Task<IReadOnlyList<StreamPosition>> ListAsync(string subscription, CancellationToken cancellationToken = default) =>
        _store.ExecuteAsync<IReadOnlyList<StreamPosition>>("listing checkpoints", async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand(
                $"select shard_id, sequence_number from {_store.Schema}.checkpoints where subscription = $1 order by shard_id", connection)
            {
                Parameters = { new() { Value = subscription } },
            };
            var positions = new List<StreamPosition>();
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                positions.Add(new StreamPosition(subscription, reader.GetString(0), reader.GetString(1)));
            }

            return positions;
        }, cancellationToken);

    /// <summary>
    /// Saves a position on its own, e.g. for a batch with nothing to apply. A batch with events should carry its
    /// position in <see cref="ProjectionBatch"/> instead, so that rows and position commit together.
    /// </summary>
    public Task SaveAsync(StreamPosition position, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(position);
        return _store.ExecuteAsync("saving a checkpoint", async (connection, ct) =>
        {
            await using var batch = new NpgsqlBatch(connection) { BatchCommands = { _sql.SaveCheckpoint(position) } };
            return await batch.ExecuteNonQueryAsync(ct);
        }, cancellationToken);
    }
}
