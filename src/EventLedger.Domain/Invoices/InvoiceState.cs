namespace EventLedger.Domain.Invoices;

/// <summary>What the decider knows of one transaction.</summary>
public sealed record TransactionState(
    string TransactionId, decimal Amount, string Country, DateOnly InvoiceDate, string? VerifiedBy, bool Voided);

/// <summary>
/// The invoice-level part of the decision state: version, currency and the verifier of each country.
/// Transactions are not held here: an invoice may hold thousands, so the decider is handed only the
/// transaction a command names (see <see cref="DecisionContext"/>), loaded by key from the event store's state table.
/// </summary>
public sealed record InvoiceHead(long Version, string? Currency, IReadOnlyDictionary<string, string> Verifiers)
{
    public static readonly InvoiceHead Empty = new(0, null, new Dictionary<string, string>(StringComparer.Ordinal));

    public string? VerifierOf(string country) => Verifiers.TryGetValue(country, out var v) ? v : null;
}

/// <summary>The state a command is decided on: the invoice head plus the one transaction it names (if any exists).</summary>
public sealed record DecisionContext(string InvoiceNumber, InvoiceHead Head, TransactionState? Transaction);
