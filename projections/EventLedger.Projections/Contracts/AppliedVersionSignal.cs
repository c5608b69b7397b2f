using EventLedger.EventStore.Events;

namespace EventLedger.Projections.Contracts;

/// <summary>
/// In-process "read model R (version n) has applied invoice i up to stream version v": the projection host publishes each
/// batch once it is applied, and read-your-writes waits (<c>minVersion</c>) are woken by it instead of re-reading DynamoDB
/// on a backoff schedule. Applied up to v means every event of the invoice up to v went through the read model's
/// projection, whether or not it changed a row (a verifier change never touches invoice-transactions).
/// </summary>
/// <remarks>
/// Only the shards this process reads are published. A waiter therefore needs no re-reads only while this process holds
/// every shard of the read model (<see cref="FeedsEveryShard"/>); otherwise it still polls, slowly while this process runs
/// the read model and on the usual schedule when it does not (an API-only process).
/// Besides the waiters, it remembers the highest applied version of the most recently applied invoices (bounded), so a
/// read that arrives after the apply, or whose invoice this process is known to feed, need not read the rows to find out.
/// The bound counts applies (one per read model and invoice per batch): 10,000 is ~8 s of applies at 200 commands/s into
/// six read models, far longer than a read-your-writes read follows its command; 50,000 (until 2026-12-03) held an estimated ~4 MB of
/// the server's live heap at that rate, each queued apply keeping its own copy of the invoice number.
/// </remarks>
public sealed class AppliedVersionSignal(int rememberedInvoices = 10_000)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string ReadModel, int Version, string Invoice), (long Applied, long Stamp)> _recent = [];
    private readonly Queue<((string, int, string) Key, long Stamp)> _recentOrder = new();
    private long _stamp;
    private readonly Dictionary<(string ReadModel, int Version, string Invoice), List<Waiter>> _waiters = [];
    private readonly Dictionary<(string ReadModel, int Version), List<Publisher>> _publishers = [];

    /// <summary>Whether a subscription of this process feeds (and so publishes for) the read model's version.</summary>
    public bool IsPublished(string readModel, int version)
    {
        lock (_gate)
        {
            return _publishers.ContainsKey((readModel, version));
        }
    }

    /// <summary>
    /// Whether this process currently feeds every open shard of the read model's version (it holds all their leases): then
    /// every apply is published here and a waiter needs no fallback re-reads.
    /// </summary>
    public bool FeedsEveryShard(string readModel, int version)
    {
        List<Publisher>? publishers;
        lock (_gate)
        {
            publishers = _publishers.TryGetValue((readModel, version), out var list) ? [.. list] : null;
        }

        return publishers?.Any(p => p.FeedsEveryShard()) == true;
    }

    /// <summary>The highest version of the invoice this process has applied to the read model lately; null when it does not remember one.</summary>
    public long? LastApplied(string readModel, int version, string invoiceNumber)
    {
        lock (_gate)
        {
            return _recent.TryGetValue((readModel, version, invoiceNumber), out var entry) ? entry.Applied : null;
        }
    }

    /// <summary>
    /// Starts waiting for <paramref name="invoiceNumber"/> to reach <paramref name="minVersion"/>; dispose to stop. The waiter is
    /// completed at once when the version is already known to be applied.
    /// </summary>
    public Waiter Register(string readModel, int version, string invoiceNumber, long minVersion)
    {
        var waiter = new Waiter(this, (readModel, version, invoiceNumber), minVersion);
        lock (_gate)
        {
            if (_recent.TryGetValue(waiter.Key, out var entry) && entry.Applied >= minVersion)
            {
                waiter.Wake();
                return waiter;
            }

            if (!_waiters.TryGetValue(waiter.Key, out var list))
            {
                _waiters[waiter.Key] = list = [];
            }

            list.Add(waiter);
        }

        return waiter;
    }

    /// <summary>Wakes the waiters of every invoice in <paramref name="applied"/> whose version has been reached.</summary>
    public void Publish(string readModel, int version, IReadOnlyList<StoredEvent> applied)
    {
        List<Waiter>? woken = null;
        var highest = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var e in applied)
        {
            highest[e.StreamId] = Math.Max(e.Version, highest.GetValueOrDefault(e.StreamId));
        }

        lock (_gate)
        {
            foreach (var (invoice, reached) in highest)
            {
                Remember((readModel, version, invoice), reached);
                if (_waiters.Count == 0 || !_waiters.TryGetValue((readModel, version, invoice), out var list))
                {
                    continue;
                }

                foreach (var waiter in list.Where(w => w.MinVersion <= reached))
                {
                    (woken ??= []).Add(waiter);
                }
            }
        }

        // Completed outside the lock (continuations run asynchronously anyway).
        woken?.ForEach(w => w.Wake());
    }

    /// <summary>
    /// Declares that a subscription of this process feeds the read model's version (until disposed);
    /// <paramref name="feedsEveryShard"/> tells whether it currently holds every open shard's lease (null: unknown, never).
    /// </summary>
    public IDisposable AddPublisher(string readModel, int version, Func<bool>? feedsEveryShard = null)
    {
        var publisher = new Publisher(this, (readModel, version), feedsEveryShard ?? (static () => false));
        lock (_gate)
        {
            if (!_publishers.TryGetValue(publisher.Key, out var list))
            {
                _publishers[publisher.Key] = list = [];
            }

            list.Add(publisher);
        }

        return publisher;
    }

    private void Remember((string, int, string) key, long reached)
    {
        var stamp = ++_stamp;
        var applied = _recent.TryGetValue(key, out var entry) ? Math.Max(entry.Applied, reached) : reached;
        _recent[key] = (applied, stamp);
        _recentOrder.Enqueue((key, stamp));
        while (_recentOrder.Count > rememberedInvoices && _recentOrder.TryDequeue(out var oldest))
        {
            // Only the latest entry of a key is current; older queue entries of a key that was applied again are skipped.
            if (_recent.TryGetValue(oldest.Key, out var current) && current.Stamp == oldest.Stamp)
            {
                _recent.Remove(oldest.Key);
            }
        }
    }

    private void Remove(Waiter waiter)
    {
        lock (_gate)
        {
            if (_waiters.TryGetValue(waiter.Key, out var list) && list.Remove(waiter) && list.Count == 0)
            {
                _waiters.Remove(waiter.Key);
            }
        }
    }

    private void RemovePublisher(Publisher publisher)
    {
        lock (_gate)
        {
            if (_publishers.TryGetValue(publisher.Key, out var list) && list.Remove(publisher) && list.Count == 0)
            {
                _publishers.Remove(publisher.Key);
            }
        }
    }

    /// <summary>One wait; <see cref="Applied"/> completes when the version is published as applied.</summary>
    public sealed class Waiter : IDisposable
    {
        private readonly AppliedVersionSignal _signal;
        private readonly TaskCompletionSource _applied = new(TaskCreationOptions.RunContinuationsAsynchronously);

        internal Waiter(AppliedVersionSignal signal, (string, int, string) key, long minVersion)
        {
            _signal = signal;
            Key = key;
            MinVersion = minVersion;
        }

        public long MinVersion { get; }

        public Task Applied => _applied.Task;

        internal (string ReadModel, int Version, string Invoice) Key { get; }

        internal void Wake() => _applied.TrySetResult();

        public void Dispose() => _signal.Remove(this);
    }

    private sealed class Publisher(AppliedVersionSignal signal, (string, int) key, Func<bool> feedsEveryShard) : IDisposable
    {
        private int _disposed;

        public (string ReadModel, int Version) Key { get; } = key;

        public Func<bool> FeedsEveryShard { get; } = feedsEveryShard;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                signal.RemovePublisher(this);
            }
        }
    }
}
