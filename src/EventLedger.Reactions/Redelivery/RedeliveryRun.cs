namespace EventLedger.Reactions.Redelivery;

/// <summary>A redelivery's states.</summary>
public static class RedeliveryStates
{
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";
}

/// <summary>One redelivery of a reaction's messages from the event store, with its progress (kept in the server's memory).</summary>
public sealed class RedeliveryRun(string id, string reaction, RedeliveryFrom from, DateTimeOffset startedAt)
{
    private long _eventsRead;
    private long _eventsTotal;
    private long _messagesDelivered;
    private long _messagesFailed;

    public string Id { get; } = id;
    public string Reaction { get; } = reaction;
    public RedeliveryFrom From { get; } = from;
    public DateTimeOffset StartedAt { get; } = startedAt;
    public string State { get; internal set; } = RedeliveryStates.Running;
    public DateTimeOffset? FinishedAt { get; internal set; }
    public string? Error { get; internal set; }

    /// <summary>Events read from the event store so far.</summary>
    public long EventsRead => Interlocked.Read(ref _eventsRead);

    /// <summary>Events to read (the events table's item count for a time, the invoice's events for INVOICE/VERSION); at least <see cref="EventsRead"/>.</summary>
    public long EventsTotal => Math.Max(Interlocked.Read(ref _eventsTotal), EventsRead);

    public long MessagesDelivered => Interlocked.Read(ref _messagesDelivered);
    public long MessagesFailed => Interlocked.Read(ref _messagesFailed);

    internal CancellationTokenSource Cancellation { get; } = new();
    internal Task Task { get; set; } = Task.CompletedTask;

    internal void SetTotal(long total) => Interlocked.Exchange(ref _eventsTotal, total);
    internal void Read(int events) => Interlocked.Add(ref _eventsRead, events);
    internal void Delivered() => Interlocked.Increment(ref _messagesDelivered);
    internal void Failed(int count) => Interlocked.Add(ref _messagesFailed, count);
}
