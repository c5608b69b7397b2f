using EventLedger.Projections.Contracts;

namespace EventLedger.Projections.Search;

/// <summary>
/// The search read model's stream checkpoints: <see cref="SearchCheckpoint"/> documents in the version's own schema,
/// written by <see cref="InvoiceSearchProjection"/> in the same transaction as a batch's documents. The host resumes the
/// subscription from here, so a checkpoint always describes documents that are committed.
/// </summary>
public sealed class InvoiceSearchCheckpoints(InvoiceSearchStore store)
{
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
            await using var session = store.Documents.LightweightSession();
            session.Store(Of(position, TimeProvider.System.GetUtcNow()));
            await session.SaveChangesAsync(ct);
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
