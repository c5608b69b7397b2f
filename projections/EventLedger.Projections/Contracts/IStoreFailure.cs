namespace EventLedger.Projections.Contracts;

/// <summary>
/// A read-model store's failure that says whether retrying later can succeed (the store was unreachable or restarting)
/// or not (its settings are wrong). The projection host pauses and retries the same batch on a transient one instead of
/// bisecting and parking good events.
/// </summary>
public interface IStoreFailure
{
    bool IsTransient { get; }
}

/// <summary>
/// A read model that commits its checkpoint with its rows found the stored checkpoint of a shard elsewhere than its own last
/// commit left it: the store lost commits (PostgreSQL with <c>synchronous_commit = off</c> crashed before flushing them) or
/// another host moved it. Nothing of the batch was written. The projection host does not retry the batch: it reads the
/// shard again from the stored checkpoint, so what was lost is applied again.
/// </summary>
public interface ICheckpointMoved
{
    /// <summary>The sequence number the store holds (null: none).</summary>
    string? StoredSequenceNumber { get; }
}
