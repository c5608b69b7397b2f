using EventLedger.EventStore.Events;

namespace EventLedger.Projections.Common;

/// <summary>
/// Splits a batch into the events of each invoice, in version order, each version once. Batches arrive in per-invoice
/// order already; sorting and dropping repeated versions here makes the folds safe against a record delivered twice
/// inside one batch too.
/// </summary>
public static class InvoiceEventGroups
{
    public static IReadOnlyList<InvoiceEvents> Of(IReadOnlyList<StoredEvent> events)
    {
        var byInvoice = new Dictionary<string, SortedList<long, StoredEvent>>(StringComparer.Ordinal);
        foreach (var e in events)
        {
            if (!byInvoice.TryGetValue(e.StreamId, out var list))
            {
                byInvoice[e.StreamId] = list = [];
            }

            list.TryAdd(e.Version, e);
        }

        return [.. byInvoice.Select(kv => new InvoiceEvents(kv.Key, [.. kv.Value.Values]))];
    }
}

/// <summary>The events of one invoice in a batch: ascending versions, no repeats.</summary>
public sealed record InvoiceEvents(string InvoiceNumber, IReadOnlyList<StoredEvent> Events);
