using EventLedger.Projections.Contracts;

namespace EventLedger.Projections.Search;

/// <summary>A failure of the search store that callers handle by kind, not by stack trace.</summary>
public abstract class InvoiceSearchStoreException(string message, Exception? innerException)
    : Exception(message, innerException), IStoreFailure
{
    /// <summary>True when retrying later (with back-off) can succeed without anyone changing anything.</summary>
    public abstract bool IsTransient { get; }
}

/// <summary>
/// PostgreSQL could not be reached or dropped the connection (down, restarting, too many connections, deadlock). Nothing
/// of the failed batch was committed, or — if the connection was lost during COMMIT — it may have been; retrying is safe
/// either way because every document write is guarded by the stream version.
/// </summary>
public sealed class InvoiceSearchStoreUnavailableException(string message, Exception? innerException = null)
    : InvoiceSearchStoreException(message, innerException)
{
    public override bool IsTransient => true;
}

/// <summary>The server refused the settings (authentication, unknown database, privileges) or the schema is missing.</summary>
public sealed class InvoiceSearchStoreConfigurationException(string message, Exception? innerException = null)
    : InvoiceSearchStoreException(message, innerException)
{
    public override bool IsTransient => false;
}

/// <summary>
/// The stored checkpoint of a shard is not where this process's last commit left it (<see cref="CommittedCheckpoints"/>);
/// nothing of the batch was written. The host reads the shard again from <see cref="StoredSequenceNumber"/>.
/// </summary>
public sealed class InvoiceSearchCheckpointMovedException(string message, string? storedSequenceNumber)
    : InvoiceSearchStoreException(message, null), ICheckpointMoved
{
    public override bool IsTransient => false;

    public string? StoredSequenceNumber { get; } = storedSequenceNumber;
}
