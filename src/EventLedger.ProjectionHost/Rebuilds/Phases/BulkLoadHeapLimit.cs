namespace EventLedger.ProjectionHost.Rebuilds.Phases;

/// <summary>
/// Bounds how far the GC heap grows during a bulk load. Every scan page lives for as long as the page before it is applied
/// (the read ahead), long enough for a small gen0 budget to promote it to gen2, so a bulk load fills gen2 with pages that
/// are already garbage; the GC then sizes its gen2 budget from that survival and collects it only after 100-200 MB of
/// them (the analytics rebuild of 1,000,000 events peaked at 343 MB, a sawtooth of ~150 MB every few seconds). After a page,
/// when the heap has grown by more than the limit since the last collection, this collects it once (blocking, compacting):
/// what the load keeps is a few pages per segment, so each collection is short. Shared by the segments of one load; a
/// collection already running elsewhere is not repeated.
/// </summary>
internal sealed class BulkLoadHeapLimit(long growthBytes)
{
    private long _baseline = -1;
    private int _collecting;
    private int _collections;

    /// <summary>Collections this load induced.</summary>
    public int Collections => Volatile.Read(ref _collections);

    /// <summary>Called after each applied page: collects once the heap has grown by more than the limit.</summary>
    public void AfterPage()
    {
        if (growthBytes <= 0)
        {
            return;
        }

        var heap = GC.GetTotalMemory(forceFullCollection: false);
        var baseline = Volatile.Read(ref _baseline);
        if (baseline < 0 || heap < baseline)
        {
            // The first page sets the baseline, and so does a collection the GC ran by itself.
            Volatile.Write(ref _baseline, heap);
            return;
        }

        if (heap - baseline < growthBytes || Interlocked.Exchange(ref _collecting, 1) == 1)
        {
            return;
        }

        try
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            Volatile.Write(ref _baseline, GC.GetTotalMemory(forceFullCollection: false));
            Interlocked.Increment(ref _collections);
        }
        finally
        {
            Volatile.Write(ref _collecting, 0);
        }
    }
}
