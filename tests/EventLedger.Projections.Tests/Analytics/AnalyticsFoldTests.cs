using EventLedger.Domain.Invoices;
using EventLedger.EventStore.Events;
using EventLedger.Projections.Analytics;
using FsCheck;
using FsCheck.Fluent;
using Xunit;

namespace EventLedger.Projections.Tests.Analytics;

public sealed class AnalyticsFoldTests
{
    private static readonly DateOnly Day = new(2016, 6, 6);
    private static readonly Dictionary<string, long> NothingApplied = [];

    [Fact]
    public void Events_above_the_applied_version_are_applied()
    {
        var events = Stream("INV-1", Recorded("T1", 100), Recorded("T2", 50), Adjusted("T1", 120, 100));

        var changes = AnalyticsFold.Plan(events, new Dictionary<string, long> { ["INV-1"] = 1 });

        Assert.Equal((2, 1), (changes.AppliedEvents, changes.SkippedEvents));
        Assert.Equal([2L, 3L], changes.Facts.Select(f => f.Version));
        Assert.Equal([new InvoiceVersion("INV-1", 3)], changes.Invoices);
    }

    [Fact]
    public void Events_at_or_below_the_applied_version_are_skipped()
    {
        // The guard is "incoming > applied": equal is a redelivery, lower is older. Getting it backwards double-counts.
        var events = Stream("INV-1", Recorded("T1", 100), Recorded("T2", 50));

        var changes = AnalyticsFold.Plan(events, new Dictionary<string, long> { ["INV-1"] = 2 });

        Assert.True(changes.IsEmpty);
        Assert.Empty(changes.Facts);
        Assert.Empty(changes.Transactions);
        Assert.Equal((0, 2), (changes.AppliedEvents, changes.SkippedEvents));
    }

    [Fact]
    public void A_transaction_ends_in_the_state_of_its_last_event()
    {
        var events = Stream("INV-1", Recorded("T1", 100), Adjusted("T1", 80, 100), Recorded("T2", 5), Voided("T2", 5));

        var changes = AnalyticsFold.Plan(events, NothingApplied);

        Assert.Equal(
            [
                new TransactionRow("INV-1", "T1", 80, "USD", "USA", Day, Live: true, LastVersion: 2),
                new TransactionRow("INV-1", "T2", 5, "USD", "USA", Day, Live: false, LastVersion: 4),
            ],
            changes.Transactions.OrderBy(t => t.TransactionId, StringComparer.Ordinal));
        Assert.Equal([100m, -20m, 5m, -5m], changes.Facts.Select(f => f.AmountDelta));
        Assert.Equal([(short)1, (short)0, (short)1, (short)-1], changes.Facts.Select(f => f.CountDelta));
    }

    [Fact]
    public void Verifier_events_advance_the_version_but_make_no_fact()
    {
        var events = Stream("INV-1", new VerifierAssigned("USA", "a@b"), Recorded("T1", 1), new VerifierUnassigned("USA", "a@b"));

        var changes = AnalyticsFold.Plan(events, NothingApplied);

        Assert.Equal([2L], changes.Facts.Select(f => f.Version));
        Assert.Equal([new InvoiceVersion("INV-1", 3)], changes.Invoices);
        Assert.Equal(3, changes.AppliedEvents);
    }

    [Fact]
    public void Duplicates_and_disorder_inside_a_batch_are_folded_once_in_version_order()
    {
        var events = Stream("INV-1", Recorded("T1", 100), Adjusted("T1", 70, 100), Adjusted("T1", 60, 70));
        var scrambled = new[] { events[2], events[0], events[1], events[0], events[2] };

        var changes = AnalyticsFold.Plan(scrambled, NothingApplied);

        Assert.Equal([1L, 2L, 3L], changes.Facts.Select(f => f.Version));
        Assert.Equal(60m, Assert.Single(changes.Transactions).Amount);
        Assert.Equal((3, 2), (changes.AppliedEvents, changes.SkippedEvents));
        Assert.Empty(changes.Gaps);
    }

    [Fact]
    public void A_missing_version_is_reported_as_a_gap()
    {
        var events = Stream("INV-1", Recorded("T1", 1), Recorded("T2", 2), Recorded("T3", 3));

        var changes = AnalyticsFold.Plan([events[0], events[2]], NothingApplied);

        Assert.Equal([new VersionGap("INV-1", 2, 3)], changes.Gaps);
    }

    [Fact]
    public void Invoices_are_folded_independently()
    {
        var events = Stream("A", Recorded("T1", 1)).Concat(Stream("B", Recorded("T1", 2), Recorded("T2", 3))).ToList();

        var changes = AnalyticsFold.Plan(events, new Dictionary<string, long> { ["B"] = 1 });

        Assert.Equal([("A", "T1"), ("B", "T2")], changes.Transactions.Select(t => (t.InvoiceNumber, t.TransactionId)).Order());
    }

    /// <summary>Applying a prefix and then the whole stream equals applying the whole stream once.</summary>
    [FsCheck.Xunit.Property]
    public Property Applying_again_after_any_prefix_applies_each_event_exactly_once(PositiveInt length, NonNegativeInt cut)
    {
        var count = Math.Min(length.Get, 50);
        var events = Stream("INV-1", Enumerable.Range(1, count).Select(i => Recorded($"T{i}", i)).ToArray());
        var prefix = cut.Get % (count + 1);

        var first = AnalyticsFold.Plan(events.Take(prefix), NothingApplied);
        var applied = first.Invoices.ToDictionary(i => i.InvoiceNumber, i => i.AppliedVersion);
        var second = AnalyticsFold.Plan(events, applied);

        return (first.Facts.Concat(second.Facts).Select(f => f.Version).SequenceEqual(events.Select(e => e.Version))
                && second.SkippedEvents == prefix).ToProperty();
    }

    private static TransactionRecorded Recorded(string id, decimal amount) => new(id, amount, "USD", "USA", Day, null, null);

    private static TransactionAdjusted Adjusted(string id, decimal amount, decimal previous) => new(id, amount, previous, "USD", "USA", Day, null);

    private static TransactionVoided Voided(string id, decimal amount) => new(id, amount, "USD", "USA", Day, null, null);

    private static List<StoredEvent> Stream(string invoice, params IInvoiceEvent[] data) =>
        data.Select((d, i) => new StoredEvent(invoice, i + 1, Guid.NewGuid(), EventTypeMap.NameOf(d).Name, 1, d,
            EventMetadata.New(), DateTimeOffset.UnixEpoch.AddSeconds(i))).ToList();
}
