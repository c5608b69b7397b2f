using EventLedger.EventStore;
using EventLedger.EventStore.Events;

namespace EventLedger.ProjectionHost.Rebuilds.Phases;

/// <summary>
/// Guards per-invoice order inside one scan segment: an invoice's events must reach the projection as consecutive
/// versions. Anything else (a resume that starts inside an invoice, or a scan that returns an invoice out of order) is
/// repaired by reading that invoice's stream from the store from the first version not yet seen; what the projection
/// already has is a no-op for it (per-row version guard).
/// </summary>
internal sealed class SegmentOrderGuard(InvoiceEventStore eventStore)
{
    private readonly Dictionary<string, long> _lastVersions = new(StringComparer.Ordinal);

    /// <summary>Invoices re-read from the store so far.</summary>
    public long Repairs { get; private set; }

    /// <summary>The page's events in per-invoice order, with gaps filled from the store.</summary>
    public async Task<List<StoredEvent>> InOrderAsync(IReadOnlyList<StoredEvent> page, CancellationToken ct)
    {
        var result = new List<StoredEvent>(page.Count);
        foreach (var e in page)
        {
            var known = _lastVersions.TryGetValue(e.StreamId, out var last);
            if (known && e.Version <= last) continue;
            if ((known && e.Version == last + 1) || (!known && e.Version == 1))
            {
                result.Add(e);
                _lastVersions[e.StreamId] = e.Version;
                continue;
            }

            Repairs++;
            await foreach (var stored in eventStore.ReadStreamAsync(e.StreamId, known ? last + 1 : 1, ct))
            {
                result.Add(stored);
                _lastVersions[e.StreamId] = stored.Version;
            }
        }

        ForgetAllButLast(result);
        return result;
    }

    /// <summary>
    /// Keeps memory bounded however many invoices a segment holds: a scan segment returns each invoice's items together,
    /// so only the invoice a page ended in can continue on the next page. An invoice that shows up again later anyway is
    /// re-read from its first version (a no-op for what was applied).
    /// </summary>
    private void ForgetAllButLast(List<StoredEvent> ordered)
    {
        if (ordered.Count == 0 || _lastVersions.Count <= 1) return;
        var last = ordered[^1];
        _lastVersions.Clear();
        _lastVersions[last.StreamId] = last.Version;
    }
}
