namespace EventLedger.Reactions.Delivery;

/// <summary>
/// One async lock per key (invoice), created on demand and dropped when free. Live delivery, redelivery and dead-letter
/// retries of one reaction share them, so at most one message per invoice is in flight. Several keys are taken in ordinal
/// order, so two holders of overlapping sets cannot deadlock.
/// </summary>
internal sealed class KeyedLocks
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public async Task<IDisposable> AcquireAsync(IEnumerable<string> keys, CancellationToken ct)
    {
        var ordered = keys.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        var held = new List<(string Key, Entry Entry)>(ordered.Count);
        try
        {
            foreach (var key in ordered)
            {
                Entry entry;
                lock (_gate)
                {
                    if (!_entries.TryGetValue(key, out entry!))
                    {
                        _entries[key] = entry = new Entry();
                    }

                    entry.References++;
                }

                try
                {
                    await entry.Semaphore.WaitAsync(ct);
                }
                catch
                {
                    Forget(key, entry);
                    throw;
                }

                held.Add((key, entry));
            }
        }
        catch
        {
            Release(held);
            throw;
        }

        return new Releaser(this, held);
    }

    private void Release(List<(string Key, Entry Entry)> held)
    {
        foreach (var (key, entry) in held)
        {
            entry.Semaphore.Release();
            Forget(key, entry);
        }

        held.Clear();
    }

    private void Forget(string key, Entry entry)
    {
        lock (_gate)
        {
            if (--entry.References == 0)
            {
                _entries.Remove(key);
                entry.Semaphore.Dispose();
            }
        }
    }

    private sealed class Entry
    {
        public SemaphoreSlim Semaphore { get; } = new(1, 1);
        public int References { get; set; }
    }

    private sealed class Releaser(KeyedLocks owner, List<(string Key, Entry Entry)> held) : IDisposable
    {
        public void Dispose() => owner.Release(held);
    }
}
