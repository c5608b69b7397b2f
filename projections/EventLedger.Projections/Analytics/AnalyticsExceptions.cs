namespace EventLedger.Projections.Analytics;

/// <summary>A failure of the analytics PostgreSQL store that callers should handle by kind, not by stack trace.</summary>
public abstract class AnalyticsStoreException : Exception
{
    protected AnalyticsStoreException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>True when retrying later (with back-off) can succeed without anyone changing anything.</summary>
    public abstract bool IsTransient { get; }
}

/// <summary>
/// PostgreSQL could not be reached or dropped the connection (server down, restarting, refusing connections, network
/// timeout, too many connections, deadlock or serialization failure). Nothing of the failed call was committed, or — if
/// the connection was lost during COMMIT — it may have been; either way retrying the same batch is safe because every
/// write is guarded by the invoice's stream version. Back off and retry.
/// </summary>
public sealed class AnalyticsStoreUnavailableException(string message, Exception? innerException = null)
    : AnalyticsStoreException(message, innerException)
{
    public override bool IsTransient => true;
}

/// <summary>
/// The server answered but refused the settings: authentication failed, unknown role or database, invalid
/// connection string, or the analytics schema has not been migrated. Retrying does not help; fix the configuration.
/// </summary>
public sealed class AnalyticsStoreConfigurationException(string message, Exception? innerException = null)
    : AnalyticsStoreException(message, innerException)
{
    public override bool IsTransient => false;
}
