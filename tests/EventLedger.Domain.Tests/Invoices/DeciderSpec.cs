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

    /// <summary>The state the event store would hand the decider: the given events folded by the decider's own fold,
    /// keeping the head and the transaction the command names.</summary>
    private DecisionContext State()
    {
        var (head, transactions) = InvoiceDecider.Evolve(new DecisionContext(_when!.InvoiceNumber, InvoiceHead.Empty, null), _given);
        var named = _when switch
        {
            RecordTransaction c => c.TransactionId,
            AdjustTransaction c => c.TransactionId,
            VoidTransaction c => c.TransactionId,
            _ => null,
        };
        return new DecisionContext(_when.InvoiceNumber, head, transactions.FirstOrDefault(t => t.TransactionId == named));
    }
}
