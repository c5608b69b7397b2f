using System.Text.Json;
using EventLedger.Projections.InvoiceTransactions;
using EventLedger.Projections.Tests.Support;

namespace EventLedger.Projections.Tests.InvoiceTransactions;

public class InvoiceTransactionsFoldTests
{
    [Fact]
    public void Sample_invoices_give_one_live_row_per_transaction()
    {
        var events = SampleInvoices.Events();
        var table = Tables.Transactions(events);

        Assert.Equal(5, table.Count);
        var row = table[("1212121", "Client1_trans1xxxx")];
        Assert.Equal(("USA", 100m, "USD", TransactionStatus.Live, "admin@com", 2L),
            (row.Country, row.Amount, row.Currency, row.Status, row.VerifiedBy, row.LastAppliedVersion));
        Assert.Equal(EventLog.SampleDate, row.InvoiceDate);
        Assert.Equal("Vendor1 Inc", JsonDocument.Parse(row.Document!).RootElement.GetProperty("Vendor Name").GetString());
        Assert.Null(table[("1212121", "Client2_trans1xxxx")].VerifiedBy);

        var (invoice, prefix, ids) = SampleInvoices.ExpectedPrefixQuery();
        Assert.Equal(ids, table.Values
            .Where(r => r.InvoiceNumber == invoice && r.TransactionId.StartsWith(prefix, StringComparison.Ordinal))
            .Select(r => r.TransactionId).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Adjust_sets_the_current_amount()
    {
        var log = new EventLog();
        log.On("inv").Record("a", 100m, "USA").Adjust("a", 42.1234m).Adjust("a", 43m);

        var row = Tables.Transactions(log.Events)[("inv", "a")];

        Assert.Equal((43m, TransactionStatus.Live, 3L), (row.Amount, row.Status, row.LastAppliedVersion));
        Assert.Equal(log.Events[2].RecordedAt, row.UpdatedAt);
    }

    [Fact]
    public void Void_keeps_a_tombstone()
    {
        var log = new EventLog();
        log.On("inv").Assign("UK", "alice").Record("a", 100m, "UK").Void("a");

        var row = Tables.Transactions(log.Events)[("inv", "a")];

        Assert.Equal((TransactionStatus.Voided, 100m, "alice", 3L), (row.Status, row.Amount, row.VerifiedBy, row.LastAppliedVersion));
    }

    [Fact]
    public void A_replayed_record_does_not_resurrect_a_voided_transaction()
    {
        var log = new EventLog();
        log.On("inv").Record("a", 100m, "USA").Void("a");
        var table = Tables.Transactions(log.Events);

        var replayed = Tables.Transactions(log.Events, [log.Events[0]]);

        Tables.AssertSame(table, replayed);
        Assert.Equal(TransactionStatus.Voided, replayed[("inv", "a")].Status);
    }

    [Fact]
    public void Verifier_events_make_no_rows()
    {
        var log = new EventLog();
        log.On("inv").Assign("USA", "alice").Unassign("USA");

        Assert.Empty(Tables.Transactions(log.Events));
        Assert.Empty(Tables.TransactionsModel.Changes(log.Events));
    }

    [Fact]
    public void Guard_a_newer_event_is_applied_and_an_older_one_is_not()
    {
        var log = new EventLog();
        log.On("inv").Record("a", 1m, "USA").Adjust("a", 2m).Adjust("a", 3m);
        var atTwo = Tables.TransactionsModel.Apply(Tables.TransactionsModel.Apply(null, log.Events[0]), log.Events[1]);

        var atThree = Tables.TransactionsModel.Apply(atTwo, log.Events[2])!;

        Assert.Equal((3m, 3L), (atThree.Amount, atThree.LastAppliedVersion));
        Assert.Same(atThree, Tables.TransactionsModel.Apply(atThree, log.Events[2]));
        Assert.Same(atThree, Tables.TransactionsModel.Apply(atThree, log.Events[1]));
        Assert.Same(atThree, Tables.TransactionsModel.Apply(atThree, log.Events[0]));
    }

    [Fact]
    public void Changes_group_a_batch_by_transaction()
    {
        var log = new EventLog();
        log.On("inv").Record("a", 1m, "USA").Record("b", 1m, "USA").Adjust("a", 2m).Void("b").Assign("USA", "x");

        var changes = Tables.TransactionsModel.Changes(log.Events);

        Assert.Equal(["a", "b"], changes.Select(c => (string)c.Key.Sort!));
        Assert.Equal([1L, 3L], changes[0].Events.Select(e => e.Version));
    }

    [Fact]
    public void A_batch_applied_twice_leaves_the_table_as_once()
    {
        var events = SampleInvoices.Events();

        Tables.AssertSame(Tables.Transactions(events), Tables.Transactions(events, events));
    }
}
