using EventLedger.Domain.Invoices;

namespace EventLedger.Domain.Tests.Invoices;

/// <summary>Given(events) / When(command) / Then(events or a rejection), over the pure decider.</summary>
public sealed class DeciderSpec
{
    private readonly List<IInvoiceEvent> _given = [];
    private InvoiceCommand? _when;

    public static DeciderSpec Given(params IInvoiceEvent[] events)
    {
        var spec = new DeciderSpec();
        spec._given.AddRange(events);
        return spec;
    }

    public DeciderSpec When(InvoiceCommand command)
    {
        _when = command;
        return this;
    }

    public void Then(params IInvoiceEvent[] expected)
    {
        var actual = InvoiceDecider.Decide(State(), _when!);
        Assert.Equal(expected, actual);
    }

    public DomainRuleViolation ThenRejected(RejectionKind kind, string code)
    {
        var ex = Assert.Throws<DomainRuleViolation>(() => InvoiceDecider.Decide(State(), _when!));
        Assert.Equal(kind, ex.Kind);
        Assert.Equal(code, ex.Code);
        return ex;
    }

    /// <summary>Folds the given events the way the event store does: the head, and the transaction the command names.</summary>
    private DecisionContext State()
    {
        var head = InvoiceHead.Empty;
        var transactions = new Dictionary<string, TransactionState?>();
        foreach (var e in _given)
        {
            head = InvoiceDecider.Evolve(head, e);
            if (InvoiceDecider.TransactionIdOf(e) is { } id)
            {
                transactions[id] = InvoiceDecider.Evolve(transactions.GetValueOrDefault(id), e);
            }
        }

        var named = _when switch
        {
            RecordTransactionCommand c => c.TransactionId,
            AdjustTransactionCommand c => c.TransactionId,
            VoidTransactionCommand c => c.TransactionId,
            _ => null,
        };
        return new DecisionContext("INV-1", head, named is null ? null : transactions.GetValueOrDefault(named));
    }
}
