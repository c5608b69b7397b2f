using EventLedger.ProjectionHost.Rebuilds.Phases;

namespace EventLedger.IntegrationTests.Rebuild;

public sealed class BulkLoadHeapLimitTests
{
    [Fact]
    public void Collects_once_the_heap_has_grown_past_the_limit_and_resets_its_baseline()
    {
        var limit = new BulkLoadHeapLimit(growthBytes: 32L * 1024 * 1024);
        GC.Collect();
        limit.AfterPage(); // the baseline: about the live heap
        var held = Enumerable.Range(0, 96).Select(_ => new byte[1024 * 1024]).ToList(); // 96 MB that stays alive
        var fullBefore = GC.CollectionCount(2);

        limit.AfterPage();

        Assert.Equal(1, limit.Collections);
        Assert.True(GC.CollectionCount(2) > fullBefore);
        limit.AfterPage(); // the new baseline holds the 96 MB: no growth since
        Assert.Equal(1, limit.Collections);
        GC.KeepAlive(held);
    }

    [Fact]
    public void A_limit_of_zero_leaves_the_heap_to_the_GC()
    {
        var limit = new BulkLoadHeapLimit(growthBytes: 0);
        limit.AfterPage();
        var held = Enumerable.Range(0, 96).Select(_ => new byte[1024 * 1024]).ToList();

        limit.AfterPage();

        Assert.Equal(0, limit.Collections);
        GC.KeepAlive(held);
    }
}
