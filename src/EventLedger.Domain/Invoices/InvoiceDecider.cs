namespace EventLedger.Domain.Invoices;

/// <summary>
/// The invoice's rules as pure functions: <see cref="Decide"/> turns a command and the decision state into events
/// (or throws <see cref="DomainRuleViolation"/>); <see cref="Evolve"/> folds an event into the invoice head and the
/// transaction it touches.
/// </summary>
public static class InvoiceDecider
{
    public static IReadOnlyList<IInvoiceEvent> Decide(DecisionContext state, InvoiceCommand command)
    {
        InvoiceRules.Validate(command);
        return command switch
        {
            RecordTransactionCommand c => [Record(state, c)],
            AdjustTransactionCommand c => [Adjust(state, c)],
            VoidTransactionCommand c => [Void(state, c)],
            AssignVerifierCommand c => [Assign(state, c)],
            UnassignVerifierCommand c => [Unassign(state, c)],
            _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "Unknown command"),
        };
    }

    private static TransactionRecorded Record(DecisionContext state, RecordTransactionCommand c)
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

        return new TransactionRecorded(c.TransactionId, c.Amount, c.Currency, c.Country, c.InvoiceDate, c.Document,
            state.Head.VerifierOf(c.Country));
    }

    private static TransactionAdjusted Adjust(DecisionContext state, AdjustTransactionCommand c)
    {
        var tx = LiveTransaction(state, c.TransactionId, "adjusted");
        return new TransactionAdjusted(tx.TransactionId, c.Amount, tx.Amount, state.Head.Currency!, tx.Country, tx.InvoiceDate, c.Reason);
    }

    private static TransactionVoided Void(DecisionContext state, VoidTransactionCommand c)
    {
        var tx = LiveTransaction(state, c.TransactionId, "voided");
        return new TransactionVoided(tx.TransactionId, tx.Amount, state.Head.Currency!, tx.Country, tx.InvoiceDate, tx.VerifiedBy, c.Reason);
    }

    private static VerifierAssigned Assign(DecisionContext state, AssignVerifierCommand c)
    {
        if (state.Head.VerifierOf(c.Country) is { } current && string.Equals(current, c.Verifier, StringComparison.Ordinal))
        {
            throw new DomainRuleViolation(RejectionKind.Conflict, "verifier-already-assigned",
                $"'{c.Verifier}' is already the verifier of {c.Country} on invoice '{state.InvoiceNumber}'.", "verifier");
        }

        return new VerifierAssigned(c.Country, c.Verifier);
    }

    private static VerifierUnassigned Unassign(DecisionContext state, UnassignVerifierCommand c) =>
        state.Head.VerifierOf(c.Country) is { } current
            ? new VerifierUnassigned(c.Country, current)
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
