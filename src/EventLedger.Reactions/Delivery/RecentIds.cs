namespace EventLedger.Reactions.Delivery;

/// <summary>A bounded set of the most recently added ids (oldest evicted first). Thread-safe.</summary>
internal sealed class RecentIds(int capacity)
{
    private readonly HashSet<Guid> _set = [];
    private readonly Queue<Guid> _order = new();
    private readonly Lock _gate = new();

    public bool Contains(Guid id)
    {
        lock (_gate)
        {
            return _set.Contains(id);
        }
    }

    public void Add(Guid id)
    {
        lock (_gate)
        {
            if (!_set.Add(id))
            {
                return;
            }

            _order.Enqueue(id);
            while (_order.Count > capacity)
            {
                _set.Remove(_order.Dequeue());
            }
        }
    }
}
