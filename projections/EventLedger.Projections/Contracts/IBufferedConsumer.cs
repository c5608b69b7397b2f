namespace EventLedger.Projections.Contracts;

/// <summary>
/// A stream consumer that buffers events across batches and owns its stream position: it moves a shard's position itself,
/// and only once what it buffered is durably stored (the archive stores an object, then commits). The host reads positions
/// from it and never writes them, so a consumer killed with events in its buffer is fed them again from the last stored
/// position. Hosted like any read model (leases, retries, dead letters, lag, a row in <c>GET /projections</c>), but not
/// rebuilt: what it stored elsewhere is not a read model to build side by side.
/// </summary>
public interface IBufferedConsumer : IReadModel
{
    /// <summary>Opens one version: its projection (which buffers) and the positions it commits.</summary>
    Task<BufferedConsumerVersion> OpenAsync(int version, CancellationToken cancellationToken);
}

/// <summary>One open version of a buffered consumer: what the host feeds, and where its stored positions are.</summary>
public sealed record BufferedConsumerVersion(IProjection Projection, IBufferedPositions Positions);

/// <summary>The positions a buffered consumer has stored, per subscription and shard.</summary>
public interface IBufferedPositions
{
    /// <summary>The sequence number up to which every event of the shard is stored; <c>SHARD_END</c> when the shard is finished; null when nothing is stored yet.</summary>
    Task<string?> GetAsync(string subscription, string shardId, CancellationToken cancellationToken);

    /// <summary>A closed shard was read to its end: store what is buffered for it, then record the end.</summary>
    Task EndShardAsync(string subscription, string shardId, CancellationToken cancellationToken);
}

/// <summary>
/// Thrown by a projection whose store cannot be written now (an archive bucket that refuses writes, a full disk): the host
/// pauses the shard and tries the same batch again, instead of retrying, bisecting and parking records that are not bad.
/// </summary>
public sealed class StoreUnavailableException(string message, Exception? innerException = null) : Exception(message, innerException), IStoreFailure
{
    /// <summary>Always: the store may take writes again later.</summary>
    public bool IsTransient => true;
}
