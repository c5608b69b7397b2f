using EventLedger.Projections.CountryCounts;
using EventLedger.Projections.Tests.Support;

namespace EventLedger.Projections.Tests.CountryCounts;

public class CountryCountsFoldTests
{
    [Fact]
    public void Sample_invoices_give_the_samples_expected_country_counts()
    {
        var table = Tables.Countries(SampleInvoices.Events());

        var expected = SampleInvoices.ExpectedCountryCounts();
        Assert.Equal(expected.Count, table.Count);
        foreach (var e in expected)
        {
            var row = table[(e.InvoiceNumber, e.Country)];
            Assert.Equal((e.Verifier, e.TransactionCount, e.VerifiedTransactionCount),
                (row.Verifier, row.TransactionCount, row.VerifiedTransactionCount));
        }
    }

    [Fact]
    public void Assigning_a_verifier_creates_the_row()
    {
        var log = new EventLog();
        log.On("inv").Assign("UK", "alice");

        Assert.Equal(new CountryCountsRow("inv", "UK", "alice", 0, 0, 1), Tables.Countries(log.Events)[("inv", "UK")]);
    }

    [Fact]
    public void Unassign_then_record_is_counted_but_not_verified()
    {
        var log = new EventLog();
        log.On("inv").Assign("USA", "alice").Record("a", 1m, "USA").Unassign("USA").Record("b", 2m, "USA");

        var row = Tables.Countries(log.Events)[("inv", "USA")];

        Assert.Equal(new CountryCountsRow("inv", "USA", null, 2, 1, 4), row);
    }

    [Fact]
    public void Assigning_later_does_not_verify_earlier_transactions()
    {
        var log = new EventLog();
        log.On("inv").Record("a", 1m, "USA").Assign("USA", "alice").Record("b", 2m, "USA").Assign("USA", "bob");

        var row = Tables.Countries(log.Events)[("inv", "USA")];

        Assert.Equal(new CountryCountsRow("inv", "USA", "bob", 2, 1, 4), row);
    }

    [Fact]
    public void Voiding_a_verified_transaction_decrements_both_counts()
    {
        var log = new EventLog();
        log.On("inv").Assign("USA", "alice").Record("a", 1m, "USA").Record("b", 1m, "USA").Unassign("USA").Void("a");

        var row = Tables.Countries(log.Events)[("inv", "USA")];

        Assert.Equal((1L, 1L, (string?)null), (row.TransactionCount, row.VerifiedTransactionCount, row.Verifier));
    }

    [Fact]
    public void Voiding_an_unverified_transaction_decrements_only_the_count()
    {
        var log = new EventLog();
        log.On("inv").Record("a", 1m, "USA").Assign("USA", "alice").Record("b", 1m, "USA").Void("a");

        var row = Tables.Countries(log.Events)[("inv", "USA")];

        Assert.Equal((1L, 1L, "alice"), (row.TransactionCount, row.VerifiedTransactionCount, row.Verifier));
    }

    [Fact]
    public void Adjust_changes_only_the_version()
    {
        var log = new EventLog();
        log.On("inv").Assign("USA", "alice").Record("a", 1m, "USA").Adjust("a", 9m);

        var row = Tables.Countries(log.Events)[("inv", "USA")];

        Assert.Equal(new CountryCountsRow("inv", "USA", "alice", 1, 1, 3), row);
    }

    [Fact]
    public void Events_touch_only_their_own_countrys_row()
    {
        var log = new EventLog();
        log.On("inv").Record("a", 1m, "USA").Record("b", 1m, "UK").Assign("UK", "alice");

        var table = Tables.Countries(log.Events);

        Assert.Equal(new CountryCountsRow("inv", "USA", null, 1, 0, 1), table[("inv", "USA")]);
        Assert.Equal(new CountryCountsRow("inv", "UK", "alice", 1, 0, 3), table[("inv", "UK")]);
    }

    [Fact]
    public void Guard_an_event_newer_than_the_row_is_applied_and_an_older_one_is_not()
    {
        var log = new EventLog();
        log.On("inv").Assign("USA", "alice").Record("a", 1m, "USA").Unassign("USA");
        var atTwo = Tables.CountriesModel.Apply(Tables.CountriesModel.Apply(null, log.Events[0]), log.Events[1]);

        var atThree = Tables.CountriesModel.Apply(atTwo, log.Events[2]);

        Assert.Equal(new CountryCountsRow("inv", "USA", null, 1, 1, 3), atThree);
        Assert.Same(atThree, Tables.CountriesModel.Apply(atThree, log.Events[2]));
        Assert.Same(atThree, Tables.CountriesModel.Apply(atThree, log.Events[1]));
        Assert.Same(atThree, Tables.CountriesModel.Apply(atThree, log.Events[0]));
    }

    [Fact]
    public void A_change_that_overlaps_the_row_folds_only_the_newer_events()
    {
        var log = new EventLog();
        log.On("inv").Assign("USA", "alice").Record("a", 1m, "USA").Unassign("USA").Record("b", 1m, "USA").Void("a");
        var applied = Tables.Countries(log.Events.Take(3).ToList());
        Assert.Single(Tables.CountriesModel.Changes(log.Events.Skip(1).ToList()));

        var row = Tables.Countries(log.Events.Take(3).ToList(), log.Events.Skip(1).ToList())[("inv", "USA")];

        Assert.Equal(3L, applied[("inv", "USA")].LastAppliedVersion);
        Assert.Equal(new CountryCountsRow("inv", "USA", null, 1, 0, 5), row);
    }

    [Fact]
    public void A_batch_applied_twice_leaves_the_table_as_once()
    {
        var events = SampleInvoices.Events();

        Tables.AssertSame(Tables.Countries(events), Tables.Countries(events, events));
    }
}
