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

    /// <summary>
    /// How invoice-totals and country-counts write their rows. False (the default): BatchGetItem, version-guarded fold in
    /// memory, unconditional BatchWriteItem of the changed rows. This relies on the projection host being the single
    /// writer per invoice (it holds a lease per shard, and an invoice's events are all in one shard); it is about 4 to 5
    /// times cheaper on DynamoDB Local than a conditional UpdateItem per row, and uses batch capacity on real DynamoDB.
    /// True: one conditional UpdateItem per row (ADD the batch's deltas on condition that the row has applied none of the
    /// batch's events; a read-fold-write on overlap), which stays correct even if two writers apply the same invoice at
    /// once, e.g. hosts run without leases. Both keep the per-row version guard: an event at or below a row's
    /// lastAppliedVersion changes nothing.
    /// </summary>
    public bool ConditionalRowWrites { get; init; }

    /// <summary>Rounds of re-sending BatchGetItem/BatchWriteItem leftovers (UnprocessedKeys/Items) before giving up.</summary>
    public int MaxUnprocessedRetries { get; init; } = 10;

    /// <summary>Rounds of read-fold-write after a conditional write lost a race, before giving up.</summary>
    public int MaxConditionalRetries { get; init; } = 5;

    /// <summary>First back-off delay; doubles per round (with full jitter) up to <see cref="MaxBackoff"/>.</summary>
    public TimeSpan BaseBackoff { get; init; } = TimeSpan.FromMilliseconds(20);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(1);

    internal ProjectionWriteOptions Validated()
    {
        if (MaxConcurrentCalls is < 1 or > 256)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConcurrentCalls), MaxConcurrentCalls, "must be 1-256");
        }

        if (MaxUnprocessedRetries < 0 || MaxConditionalRetries < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxUnprocessedRetries), "retry counts must not be negative");
        }

        return this;
    }
}
