using EventLedger.Projections.InvoiceTotals;
using EventLedger.Projections.Tests.Support;

namespace EventLedger.Projections.Tests.InvoiceTotals;

public class InvoiceTotalsFoldTests
{
    [Fact]
    public void Sample_invoices_give_the_samples_expected_totals()
    {
        var table = Tables.Totals(SampleInvoices.Events());

        var expected = SampleInvoices.ExpectedInvoiceTotals();
        Assert.Equal(expected.Count, table.Count);
        foreach (var e in expected)
        {
            var row = table[e.InvoiceNumber];
            Assert.Equal((e.Total, e.Currency, e.TransactionCount), (row.Total, row.Currency, row.TransactionCount));
        }

        Assert.Equal(4, table["1212121"].LastAppliedVersion);
        Assert.Equal(SampleInvoices.Events().Last(e => e.StreamId == "1212121").RecordedAt, table["1212121"].UpdatedAt);
    }

    [Fact]
    public void Adjust_changes_the_total_by_the_difference_and_keeps_the_count()
    {
        var log = new EventLog();
        log.On("inv").Record("a", 100m, "USA").Record("b", 50.25m, "USA").Adjust("a", 80.5m);

        var row = Tables.Totals(log.Events)["inv"];

        Assert.Equal(130.75m, row.Total);
        Assert.Equal(2, row.TransactionCount);
        Assert.Equal(3, row.LastAppliedVersion);
    }

    [Fact]
    public void Void_removes_the_transactions_current_amount_and_count()
    {
        var log = new EventLog();
        log.On("inv").Record("a", 100m, "USA").Record("b", -20m, "USA").Adjust("a", 70m).Void("a");

        var row = Tables.Totals(log.Events)["inv"];

        Assert.Equal(-20m, row.Total);
        Assert.Equal(1, row.TransactionCount);
        Assert.Equal("USD", row.Currency);
    }

    [Fact]
    public void Verifier_events_advance_the_version_only()
    {
        var log = new EventLog();
        log.On("inv").Assign("USA", "v").Record("a", 10m, "USA").Unassign("USA");

        var row = Tables.Totals(log.Events)["inv"];

        Assert.Equal((10m, 1L, 3L), (row.Total, row.TransactionCount, row.LastAppliedVersion));
        Assert.Equal(log.Events[^1].RecordedAt, row.UpdatedAt);
    }

    [Fact]
    public void A_verifier_alone_makes_a_row_without_currency()
    {
        var log = new EventLog();
        log.On("inv").Assign("USA", "v");

        var row = Tables.Totals(log.Events)["inv"];

        Assert.Equal(new InvoiceTotalsRow("inv", 0m, null, 0, log.Events[0].RecordedAt, 1), row);
    }

    [Fact]
    public void Guard_an_event_newer_than_the_row_is_applied()
    {
        var log = new EventLog();
        log.On("inv").Record("a", 100m, "USA").Record("b", 1m, "USA");
        var row = Tables.TotalsModel.Apply(null, log.Events[0]);

        var next = Tables.TotalsModel.Apply(row, log.Events[1])!;

        Assert.Equal((101m, 2L, 2L), (next.Total, next.TransactionCount, next.LastAppliedVersion));
    }

    [Fact]
    public void Guard_an_event_at_or_below_the_row_version_changes_nothing()
    {
        var log = new EventLog();
        log.On("inv").Record("a", 100m, "USA").Record("b", 1m, "USA");
        var row = Tables.TotalsModel.Apply(Tables.TotalsModel.Apply(null, log.Events[0]), log.Events[1]);

        Assert.Same(row, Tables.TotalsModel.Apply(row, log.Events[1])); // the same version again
        Assert.Same(row, Tables.TotalsModel.Apply(row, log.Events[0])); // an older one
    }

    [Fact]
    public void A_batch_is_coalesced_per_invoice_row()
    {
        var log = new EventLog();
        log.On("x").Record("a", 1m, "USA");
        log.On("y").Record("a", 2m, "UK");
        log.On("x").Record("b", 3m, "USA").Adjust("a", 5m);

        var changes = Tables.TotalsModel.Changes(log.Events);

        var x = Assert.Single(changes, c => c.Key.Partition == "x");
        Assert.Equal([1L, 2L, 3L], x.Events.Select(e => e.Version));
        Assert.Equal(2, changes.Count);
        Assert.Equal((8m, 2L, 3L), (Tables.Totals(log.Events)["x"].Total, Tables.Totals(log.Events)["x"].TransactionCount, Tables.Totals(log.Events)["x"].LastAppliedVersion));
    }

    [Fact]
    public void A_batch_that_overlaps_the_row_folds_only_the_newer_events()
    {
        var log = new EventLog();
        log.On("inv").Record("a", 100m, "USA").Record("b", 10m, "USA").Record("c", 1m, "USA").Void("a");
        var applied = Tables.Totals(log.Events.Take(3).ToList()); // versions 1..3

        var row = Tables.Totals(log.Events.Take(3).ToList(), log.Events.Skip(1).ToList())["inv"]; // then versions 2..4

        Assert.Equal(3L, applied["inv"].LastAppliedVersion);
        Assert.Equal(Tables.Totals(log.Events)["inv"], row);
        Assert.Equal((11m, 2L, 4L), (row.Total, row.TransactionCount, row.LastAppliedVersion));
    }

    [Fact]
    public void A_batch_applied_twice_leaves_the_table_as_once()
    {
        var events = SampleInvoices.Events();

        Tables.AssertSame(Tables.Totals(events), Tables.Totals(events, events));
    }

    [Fact]
    public void Duplicates_inside_one_batch_count_once()
    {
        var events = SampleInvoices.Events();

        Tables.AssertSame(Tables.Totals(events), Tables.Totals([.. events, .. events]));
    }
}
