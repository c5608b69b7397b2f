using EventLedger.Domain.Invoices;
using EventLedger.Projections.InvoiceTransactions;
using EventLedger.Projections.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace EventLedger.Projections.Tests.Properties;

[Properties(Arbitrary = [typeof(ScenarioArbitrary)], MaxTest = 200, EndSize = 120)]
public class FoldProperties
{
    [Property]
    public Property Applying_a_batch_twice_equals_applying_it_once(Scenario s)
    {
        var batch = s.Events;
        return (Tables.Same(Tables.Totals(batch), Tables.Totals(batch, batch))
                && Tables.Same(Tables.Countries(batch), Tables.Countries(batch, batch))
                && Tables.Same(Tables.Transactions(batch), Tables.Transactions(batch, batch))
                && Tables.Same(Tables.History(batch), Tables.History(batch, batch)))
            .Label(s.ToString());
    }

    [Property]
    public Property Overlapping_redelivered_batches_equal_each_event_once(Scenario s)
    {
        var deliveries = s.Deliveries.ToArray();
        var once = s.Events;
        return (Tables.Same(Tables.TotalsOneByOne(once), Tables.Totals(deliveries))
                && Tables.Same(Tables.Totals(once), Tables.Totals(deliveries))
                && Tables.Same(Tables.CountriesOneByOne(once), Tables.Countries(deliveries))
                && Tables.Same(Tables.Transactions(once), Tables.Transactions(deliveries))
                && Tables.Same(Tables.History(once), Tables.History(deliveries)))
            .Label(s.ToString());
    }

    [Property]
    public Property Total_is_the_sum_of_live_amounts(Scenario s)
    {
        var totals = Tables.Totals(s.Deliveries.ToArray());
        var transactions = Tables.Transactions(s.Deliveries.ToArray());
        return s.Log.Invoices.All(invoice =>
        {
            var live = s.Log.TransactionsOf(invoice).Values.Where(t => !t.Voided).ToList();
            var row = totals[invoice];
            var liveRows = transactions.Values.Where(r => r.InvoiceNumber == invoice && r.Status == TransactionStatus.Live).ToList();
            return row.Total == live.Sum(t => t.Amount)
                   && row.TransactionCount == live.Count
                   && row.Total == liveRows.Sum(r => r.Amount)
                   && row.LastAppliedVersion == s.Events.Count(e => e.StreamId == invoice);
        }).Label(s.ToString());
    }

    [Property]
    public Property Country_counts_match_the_live_transactions(Scenario s)
    {
        var countries = Tables.Countries(s.Deliveries.ToArray());
        return s.Log.Invoices.All(invoice =>
        {
            var live = s.Log.TransactionsOf(invoice).Values.Where(t => !t.Voided).ToList();
            var verifiers = s.Log.VerifiersOf(invoice);
            var rows = countries.Values.Where(r => r.InvoiceNumber == invoice).ToList();
            return rows.All(r =>
                       r.TransactionCount == live.Count(t => t.Country == r.Country)
                       && r.VerifiedTransactionCount == live.Count(t => t.Country == r.Country && t.VerifiedBy is not null)
                       && r.Verifier == verifiers.GetValueOrDefault(r.Country))
                   && live.All(t => rows.Any(r => r.Country == t.Country));
        }).Label(s.ToString());
    }

    [Property]
    public Property Every_transaction_event_is_reflected_in_its_row(Scenario s)
    {
        var rows = Tables.Transactions(s.Deliveries.ToArray());
        return s.Log.Invoices.All(invoice => s.Log.TransactionsOf(invoice).All(t =>
                rows.TryGetValue((invoice, t.Key), out var row)
                && row.Amount == t.Value.Amount
                && row.Status == (t.Value.Voided ? TransactionStatus.Voided : TransactionStatus.Live)
                && row.VerifiedBy == t.Value.VerifiedBy
                && row.LastAppliedVersion == s.Events.Last(e => e.StreamId == invoice && InvoiceDecider.TransactionIdOf(e.Data) == t.Key).Version))
            .Label(s.ToString());
    }
}
