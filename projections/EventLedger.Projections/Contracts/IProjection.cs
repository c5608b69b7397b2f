using EventLedger.EventStore.Events;

namespace EventLedger.Projections.Contracts;

/// <summary>
/// A read model's projection: a named, schema-versioned unit that folds batches of stored events into its store.
/// Every row it writes carries the last stream version applied to it, so applying an event twice (redelivery,
/// replay, rebuild catch-up) or an older one changes nothing.
/// </summary>
public interface IProjection
{
    /// <summary>Stable name used by checkpoints, rebuilds and the API, e.g. <c>invoice-totals</c>.</summary>
    string Name { get; }

    /// <summary>The schema version this code writes. A new one is built side by side and switched to when caught up.</summary>
    int SchemaVersion { get; }

    /// <summary>Applies a batch (in stream order per invoice). Must be idempotent per (invoice, version).</summary>
    ValueTask ApplyAsync(ProjectionBatch batch, CancellationToken cancellationToken);
}

/// <summary>
/// Events to apply, in order per invoice, and where they came from. <see cref="Position"/> lets a projection whose
/// store is transactional (PostgreSQL) commit its checkpoint with its rows; it is null for replays from the event store.
/// </summary>
public sealed record ProjectionBatch(IReadOnlyList<StoredEvent> Events, StreamPosition? Position);

/// <summary>A checkpoint in a stream: the shard and the sequence number of the last record of the batch.</summary>
public sealed record StreamPosition(string Subscription, string ShardId, string SequenceNumber);

/// <summary>
/// A projection with a bulk path for replays from the event store (a rebuild's bulk load), e.g. binary COPY. A page of a
/// replay carries the same guarantees as <see cref="IProjection.ApplyAsync"/> with no position: events in order per
/// invoice, the page applied all or nothing, idempotent per (invoice, version), so a resumed rebuild may send a page again.
/// </summary>
public interface IBulkLoadProjection : IProjection
{
    ValueTask BulkLoadAsync(IReadOnlyList<StoredEvent> events, CancellationToken cancellationToken);
}
