using EventLedger.Domain.Invoices;

namespace EventLedger.Domain.Tests.Invoices;

/// <summary>The decision-state fold that the event store writes, the command side caches and the decider tests replay.</summary>
public class InvoiceEvolveTests
{
    private static readonly DateOnly Day = new(2016, 6, 6);

    [Fact]
    public void Folding_from_a_known_transaction_moves_the_head_and_reports_each_touched_transaction_once_in_order()
    {
        var known = new TransactionState("t1", 100m, "USA", Day, "v", Voided: false);
        var head = new InvoiceHead(7, "USD", new Dictionary<string, string> { ["USA"] = "v" });

        var (next, touched) = InvoiceDecider.Evolve(new DecisionContext("INV-1", head, known),
        [
            new TransactionAdjusted("t1", 80m, 100m, "USD", "USA", Day, null),
            new TransactionRecorded("t2", 5m, "USD", "UK", Day, null, null),
            new VerifierUnassigned("USA", "v"),
            new TransactionVoided("t1", 80m, "USD", "USA", Day, "v", null),
        ]);

        Assert.Equal(11, next.Version);
        Assert.Equal("USD", next.Currency);
        Assert.Empty(next.Verifiers);
        Assert.Equal(
            [known with { Amount = 80m, Voided = true }, new TransactionState("t2", 5m, "UK", Day, null, Voided: false)],
            touched);
    }

    [Fact]
    public void Folding_events_about_no_transaction_touches_none() =>
        Assert.Empty(InvoiceDecider.Evolve(new DecisionContext("INV-1", InvoiceHead.Empty, null), [new VerifierAssigned("UK", "a")]).Touched);
}
