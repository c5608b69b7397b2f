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
