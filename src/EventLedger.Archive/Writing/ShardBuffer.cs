using EventLedger.Archive.Format;
using EventLedger.EventStore.Events;

namespace EventLedger.Archive.Writing;

/// <summary>
/// What one shard has delivered since its last stored object: events in stream order, each (invoice, version) once (a batch
/// delivered again after a restart or a retry adds nothing; exact keys, not "up to the last version", so that events of an
/// invoice written out of order, as a bulk import may, are all kept), the shard position the buffer continues after (<see cref="After"/>) and
/// the last position delivered (<see cref="Last"/>). Guarded by <see cref="Gate"/>: the shard's batches and the interval
/// flush never run at once.
/// </summary>
internal sealed class ShardBuffer(string subscription, string shardId)
{
    private readonly List<StoredEvent> _events = [];
    private readonly HashSet<(string StreamId, long Version)> _keys = [];

    public SemaphoreSlim Gate { get; } = new(1, 1);
    public string Subscription { get; } = subscription;
    public string ShardId { get; } = shardId;

    /// <summary>The stored position this buffer continues after; null until the shard's position has been read.</summary>
    public string? After { get; set; }

    /// <summary>The last sequence number delivered; null when nothing was delivered since the last store.</summary>
    public string? Last { get; private set; }

    /// <summary>When the first event still buffered arrived (a timestamp of the buffer's clock), or null when empty.</summary>
    public long? OpenedAt { get; private set; }

    public long Bytes { get; private set; }

    public IReadOnlyList<StoredEvent> Events => _events;

    /// <summary>Adds a batch; events already buffered (a redelivery) are skipped. Returns how many were new.</summary>
    public int Append(IReadOnlyList<StoredEvent> events, string lastSequenceNumber, long now)
    {
        var added = 0;
        foreach (var e in events)
        {
            if (!_keys.Add((e.StreamId, e.Version)))
            {
                continue;
            }

            _events.Add(e);
            Bytes += EstimateBytes(e);
            added++;
        }

        if (Last is null || ArchiveLayout.Compare(lastSequenceNumber, Last) > 0)
        {
            Last = lastSequenceNumber;
        }

        if (_events.Count > 0)
        {
            OpenedAt ??= now;
        }

        return added;
    }

    /// <summary>Drops events another writer has stored already (they are in committed objects).</summary>
    public int Remove(IReadOnlySet<(string StreamId, long Version)> stored)
    {
        var removed = _events.RemoveAll(e => stored.Contains((e.StreamId, e.Version)));
        if (removed > 0)
        {
            _keys.ExceptWith(stored);
            Bytes = _events.Sum(EstimateBytes);
            if (_events.Count == 0)
            {
                OpenedAt = null;
            }
        }

        return removed;
    }

    /// <summary>After a store up to <paramref name="storedTo"/>: the buffer is empty and continues after it.</summary>
    public void Stored(string storedTo)
    {
        _events.Clear();
        _keys.Clear();
        After = storedTo;
        Last = null;
        OpenedAt = null;
        Bytes = 0;
    }

    /// <summary>Forgets everything (the shard was finished elsewhere).</summary>
    public void Reset(string? after)
    {
        Stored(after ?? ArchiveLayout.ShardStart);
        After = after;
    }

    // What Firehose would count: roughly the record's size before compression (payload plus the envelope's columns).
    private static long EstimateBytes(StoredEvent e) => 160 + e.StreamId.Length + e.EventType.Length + EventTypeMap.Serialize(e.Data).Length;
}
