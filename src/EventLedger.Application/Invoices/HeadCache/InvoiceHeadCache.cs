using EventLedger.Application.Behaviors;
using EventLedger.Domain.Invoices;

namespace EventLedger.Application.Invoices.HeadCache;

/// <summary>
/// A per-process, size-bounded (least recently used) cache of invoice heads: what the last read or successful append
/// of this process saw. It is a hint, never the truth. A command decided on a cached head is written with the HEAD
/// put conditional on that head's version, so if another process (or request) moved the invoice, the write fails,
/// the entry is dropped and the command is decided again on a fresh read. Heads only move forward: an older head never
/// replaces a newer one.
/// </summary>
public sealed class InvoiceHeadCache
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedListNode<Entry>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<Entry> _recency = new();

    private readonly CommandMetrics? _metrics;

    public InvoiceHeadCache(InvoiceHeadCacheOptions options, CommandMetrics? metrics = null)
    {
        _metrics = metrics;
        ArgumentOutOfRangeException.ThrowIfNegative(options.HeadCacheCapacity);
        Capacity = options.HeadCacheCapacity;
    }

    /// <summary>The most invoices held; 0 turns the cache off.</summary>
    public int Capacity { get; }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>The cached head of <paramref name="invoiceNumber"/>, counted as a hit or a miss.</summary>
    public bool TryGet(string invoiceNumber, out InvoiceHead head)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(invoiceNumber, out var node))
            {
                _recency.Remove(node);
                _recency.AddFirst(node);
                head = node.Value.Head;
                _metrics?.HeadCacheLookup(hit: true);
                return true;
            }
        }

        head = InvoiceHead.Empty;
        _metrics?.HeadCacheLookup(hit: false);
        return false;
    }

    /// <summary>Remembers <paramref name="head"/> unless a newer head of the invoice is already cached.</summary>
    public void Remember(string invoiceNumber, InvoiceHead head)
    {
        if (Capacity == 0)
        {
            return;
        }

        lock (_gate)
        {
            if (_entries.TryGetValue(invoiceNumber, out var node))
            {
                if (node.Value.Head.Version < head.Version)
                {
                    node.Value = new Entry(invoiceNumber, head);
                }

                _recency.Remove(node);
                _recency.AddFirst(node);
                return;
            }

            _entries[invoiceNumber] = _recency.AddFirst(new Entry(invoiceNumber, head));
            while (_entries.Count > Capacity)
            {
                var oldest = _recency.Last!;
                _recency.RemoveLast();
                _entries.Remove(oldest.Value.InvoiceNumber);
            }
        }
    }

    /// <summary>
    /// Drops the entry if it is still the head at <paramref name="staleVersion"/> (or older): a command decided on it
    /// lost. A newer head that another request of this process cached in the meantime stays.
    /// </summary>
    public void Forget(string invoiceNumber, long staleVersion)
    {
        lock (_gate)
        {
            if (_entries.TryGetValue(invoiceNumber, out var node) && node.Value.Head.Version <= staleVersion)
            {
                _recency.Remove(node);
                _entries.Remove(invoiceNumber);
            }
        }

        _metrics?.HeadCacheStale();
    }

    private readonly record struct Entry(string InvoiceNumber, InvoiceHead Head);
}

/// <summary>Settings of <see cref="InvoiceHeadCache"/> (configuration section <c>Commands</c>, key <c>HeadCacheCapacity</c>).</summary>
public sealed record InvoiceHeadCacheOptions
{
    /// <summary>Invoices whose head one process keeps (about 300 bytes each with the bookkeeping, plus verifiers); 0 turns the cache off.</summary>
    public int HeadCacheCapacity { get; init; } = 10_000;
}
