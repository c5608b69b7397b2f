namespace EventLedger.Application.Invoices;

/// <summary>What deciding a command needs of the invoice's decision state; tells <see cref="InvoiceAppender"/> what to read.</summary>
/// <param name="TransactionId">The transaction whose state a fresh read loads with the head, if any.</param>
/// <param name="HeadSuffices">True when the command may be decided on the cached head alone (ADR 0006).</param>
public sealed record StateNeeded(string? TransactionId, bool HeadSuffices)
{
    /// <summary>The head only (verifier changes).</summary>
    public static readonly StateNeeded Head = new(TransactionId: null, HeadSuffices: true);

    /// <summary>The head, and an id that must be free (recording): the append's own condition checks the id, so the head suffices.</summary>
    public static StateNeeded NewTransaction(string transactionId) => new(transactionId, HeadSuffices: true);

    /// <summary>The state of an existing transaction (adjust, void): always read.</summary>
    public static StateNeeded Transaction(string transactionId) => new(transactionId, HeadSuffices: false);
}
