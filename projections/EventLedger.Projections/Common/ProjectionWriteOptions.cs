namespace EventLedger.Projections.Common;

/// <summary>How a DynamoDB projection talks to its table. The defaults suit DynamoDB Local on 2 cores and real DynamoDB alike.</summary>
public sealed record ProjectionWriteOptions
{
    public static ProjectionWriteOptions Default { get; } = new();

    /// <summary>
    /// DynamoDB calls one <c>ApplyAsync</c> keeps in flight at once. DynamoDB Local does all storage work on one thread,
    /// so more than ~8-16 only queues; real DynamoDB scales further, but the host also runs several shards at once.
    /// </summary>
    public int MaxConcurrentCalls { get; init; } = 8;

    /// <summary>Rounds of re-sending BatchGetItem/BatchWriteItem leftovers (UnprocessedKeys/Items) before giving up.</summary>
    public int MaxUnprocessedRetries { get; init; } = 10;

    /// <summary>First back-off delay; doubles per round (with full jitter) up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan BaseBackoff { get; init; } = TimeSpan.FromMilliseconds(20);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A TTL for the rows written (hot-tier retention); rows already past it are not written at all.</summary>
    public RowTimeToLive? TimeToLive { get; init; }

    internal ProjectionWriteOptions Validated()
    {
        if (MaxConcurrentCalls is < 1 or > 256)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConcurrentCalls), MaxConcurrentCalls, "must be 1-256");
        }

        if (MaxUnprocessedRetries < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxUnprocessedRetries), "must not be negative");
        }

        return this;
    }
}
