using EventLedger.Projections.Contracts;
using Marten.Services;

namespace EventLedger.Projections.Search;

/// <summary>
/// The search read model's stream checkpoints: <see cref="SearchCheckpoint"/> documents in the version's own schema,
/// written by <see cref="InvoiceSearchProjection"/> in the same transaction as a batch's documents. The host resumes the
/// subscription from here, so a checkpoint always describes documents that are committed.
/// </summary>
/// <param name="committed">Shared with the version's projection: a save of a shard the projection committed batches of is
/// checked against its last commit, so a shard's end is never marked over commits PostgreSQL lost.</param>
public sealed class InvoiceSearchCheckpoints(InvoiceSearchStore store, CommittedCheckpoints? committed = null) : IStreamPositions
{
    private readonly CommittedCheckpoints _committed = committed ?? new CommittedCheckpoints();

    /// <summary>The position of the last committed batch of <paramref name="subscription"/> in the shard, or null.</summary>
    public Task<StreamPosition?> GetAsync(string subscription, string shardId, CancellationToken cancellationToken = default) =>
        store.ExecuteAsync("reading a checkpoint", async ct =>
        {
            await using var session = store.Documents.QuerySession();
            var checkpoint = await session.LoadAsync<SearchCheckpoint>(SearchCheckpoint.IdOf(subscription, shardId), ct);
            return checkpoint is null ? null : new StreamPosition(subscription, shardId, checkpoint.SequenceNumber);
        }, cancellationToken);

    /// <summary>Saves a position on its own (a shard's end, or a rebuild seeding its start).</summary>
    public Task SaveAsync(StreamPosition position, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(position);
        return store.ExecuteAsync("saving a checkpoint", async ct =>
        {
            var id = SearchCheckpoint.IdOf(position.Subscription, position.ShardId);
            await using var connection = await store.DataSource.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await _committed.VerifyAsync(store, connection, transaction, id, commitAsynchronously: false, ct);
            await using (var session = store.Documents.LightweightSession(SessionOptions.ForTransaction(transaction)))
            {
                session.Store(Of(position, TimeProvider.System.GetUtcNow()));
                await session.SaveChangesAsync(ct);
            }

            // A durable commit (the default): it also flushes every asynchronous commit before it.
            await transaction.CommitAsync(ct);
            _committed.Committed(id, position.SequenceNumber);
            return 0;
        }, cancellationToken);
    }

    internal static SearchCheckpoint Of(StreamPosition position, DateTimeOffset now) => new()
    {
        Id = SearchCheckpoint.IdOf(position.Subscription, position.ShardId),
        Subscription = position.Subscription,
        ShardId = position.ShardId,
        SequenceNumber = position.SequenceNumber,
        UpdatedAt = now,
    };
}
