namespace EventLedger.Domain.Invoices;

/// <summary>
/// The invoice's rules as pure functions: <see cref="Decide(DecisionContext, InvoiceCommand)"/> turns a command and the
/// decision state into events (or throws <see cref="DomainRuleViolation"/>); <see cref="Evolve(DecisionContext, IEnumerable{IInvoiceEvent})"/>
/// folds events into the decision state. The event store, the command handlers and the tests all use this one fold.
/// Input is validated before a command gets here (the validation behavior, with <see cref="InvoiceRules"/>).
/// </summary>
public static class InvoiceDecider
{
    public static IReadOnlyList<IInvoiceEvent> Decide(DecisionContext state, InvoiceCommand command) => command switch
    {
        RecordTransaction c => Decide(state, c),
        AdjustTransaction c => Decide(state, c),
        VoidTransaction c => Decide(state, c),
        AssignVerifier c => Decide(state, c),
        UnassignVerifier c => Decide(state, c),
        _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "Unknown command"),
    };

    public static IReadOnlyList<IInvoiceEvent> Decide(DecisionContext state, RecordTransaction c)
    {
        if (state.Transaction is not null)
        {
            throw new DomainRuleViolation(RejectionKind.Conflict, "transaction-exists",
                $"Transaction '{c.TransactionId}' already exists on invoice '{state.InvoiceNumber}'.", "transactionId");
        }

        if (state.Head.Currency is { } currency && !string.Equals(currency, c.Currency, StringComparison.Ordinal))
        {
            throw new DomainRuleViolation(RejectionKind.Conflict, "currency-mismatch",
                $"Invoice '{state.InvoiceNumber}' is in {currency}; a transaction in {c.Currency} cannot be added.", "currency");
        }

        return [new TransactionRecorded(c.TransactionId, c.Amount, c.Currency, c.Country, c.InvoiceDate, c.Document, state.Head.VerifierOf(c.Country))];
    }

    public static IReadOnlyList<IInvoiceEvent> Decide(DecisionContext state, AdjustTransaction c)
    {
        var tx = LiveTransaction(state, c.TransactionId, "adjusted");
        return [new TransactionAdjusted(tx.TransactionId, c.Amount, tx.Amount, state.Head.Currency!, tx.Country, tx.InvoiceDate, c.Reason)];
    }

    public static IReadOnlyList<IInvoiceEvent> Decide(DecisionContext state, VoidTransaction c)
    {
        var tx = LiveTransaction(state, c.TransactionId, "voided");
        return [new TransactionVoided(tx.TransactionId, tx.Amount, state.Head.Currency!, tx.Country, tx.InvoiceDate, tx.VerifiedBy, c.Reason)];
    }

    public static IReadOnlyList<IInvoiceEvent> Decide(DecisionContext state, AssignVerifier c)
    {
        if (state.Head.VerifierOf(c.Country) is { } current && string.Equals(current, c.Verifier, StringComparison.Ordinal))
        {
            throw new DomainRuleViolation(RejectionKind.Conflict, "verifier-already-assigned",
                $"'{c.Verifier}' is already the verifier of {c.Country} on invoice '{state.InvoiceNumber}'.", "verifier");
        }

        return [new VerifierAssigned(c.Country, c.Verifier)];
    }

    public static IReadOnlyList<IInvoiceEvent> Decide(DecisionContext state, UnassignVerifier c) =>
        state.Head.VerifierOf(c.Country) is { } current
            ? [new VerifierUnassigned(c.Country, current)]
            : throw new DomainRuleViolation(RejectionKind.NotFound, "no-verifier",
                $"{c.Country} has no verifier on invoice '{state.InvoiceNumber}'.", "country");

    private static TransactionState LiveTransaction(DecisionContext state, string transactionId, string verb)
    {
        if (state.Transaction is null)
        {
            throw new DomainRuleViolation(RejectionKind.NotFound, "unknown-transaction",
                $"Transaction '{transactionId}' does not exist on invoice '{state.InvoiceNumber}' and cannot be {verb}.", "transactionId");
        }

        if (state.Transaction.Voided)
        {
            throw new DomainRuleViolation(RejectionKind.Conflict, "transaction-voided",
                $"Transaction '{transactionId}' on invoice '{state.InvoiceNumber}' is voided and cannot be {verb}.", "transactionId");
        }

        return state.Transaction;
    }

    /// <summary>
    /// Folds events (decided on <paramref name="state"/>, or a stream from its start on an empty state) into the decision
    /// state after them: the new head, and the state of every transaction they touched, in the order first touched.
    /// </summary>
    public static (InvoiceHead Head, IReadOnlyList<TransactionState> Touched) Evolve(DecisionContext state, IEnumerable<IInvoiceEvent> events)
    {
        var head = state.Head;
        var transactions = new Dictionary<string, TransactionState?>(StringComparer.Ordinal);
        if (state.Transaction is { } known)
        {
            transactions[known.TransactionId] = known;
        }

        var touched = new List<string>();
        foreach (var e in events)
        {
            head = Evolve(head, e);
            if (TransactionIdOf(e) is { } id)
            {
                transactions[id] = Evolve(transactions.GetValueOrDefault(id), e);
                if (!touched.Contains(id, StringComparer.Ordinal))
                {
                    touched.Add(id);
                }
            }
        }

        return (head, touched.Select(id => transactions[id]!).ToList());
    }

    /// <summary>Folds one event into the invoice head.</summary>
    public static InvoiceHead Evolve(InvoiceHead head, IInvoiceEvent @event)
    {
        var next = head with { Version = head.Version + 1 };
        return @event switch
        {
            TransactionRecorded e => next with { Currency = head.Currency ?? e.Currency },
            VerifierAssigned e => next with { Verifiers = With(head.Verifiers, e.Country, e.Verifier) },
            VerifierUnassigned e => next with { Verifiers = With(head.Verifiers, e.Country, null) },
            _ => next,
        };
    }

    /// <summary>Folds one event into the state of the transaction it touches; returns null for events about no transaction.</summary>
    public static TransactionState? Evolve(TransactionState? tx, IInvoiceEvent @event) => @event switch
    {
        TransactionRecorded e => new TransactionState(e.TransactionId, e.Amount, e.Country, e.InvoiceDate, e.Verifier, Voided: false),
        TransactionAdjusted e => tx! with { Amount = e.NewAmount },
        TransactionVoided => tx! with { Voided = true },
        _ => tx,
    };

    /// <summary>The transaction an event is about, or null.</summary>
    public static string? TransactionIdOf(IInvoiceEvent @event) => @event switch
    {
        TransactionRecorded e => e.TransactionId,
        TransactionAdjusted e => e.TransactionId,
        TransactionVoided e => e.TransactionId,
        _ => null,
    };

    private static Dictionary<string, string> With(IReadOnlyDictionary<string, string> map, string key, string? value)
    {
        var copy = new Dictionary<string, string>(map, StringComparer.Ordinal);
        if (value is null)
        {
            copy.Remove(key);
        }
        else
        {
            copy[key] = value;
        }

        return copy;
    }
}
