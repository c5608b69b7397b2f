namespace EventLedger.Projections.Reactions.PaymentRequests;

/// <summary>
/// The <c>data</c> of an <c>eventledger.payment.requested.v1</c> message: a new transaction for the downstream
/// payment-processing system.
/// </summary>
/// <param name="InvoiceNumber">The invoice.</param>
/// <param name="TransactionId">The new transaction (unique within the invoice).</param>
/// <param name="Amount">The amount (decimal, at most 4 places; zero and negative allowed).</param>
/// <param name="Currency">ISO 4217 code of the invoice.</param>
/// <param name="Country">The transaction's country.</param>
/// <param name="InvoiceDate">The invoice date (yyyy-MM-dd).</param>
/// <param name="Verifier">The verifier of the country when the transaction was recorded, or null.</param>
/// <param name="RecordedAt">When the event was recorded.</param>
public sealed record PaymentRequest(
    string InvoiceNumber,
    string TransactionId,
    decimal Amount,
    string Currency,
    string Country,
    DateOnly InvoiceDate,
    string? Verifier,
    DateTimeOffset RecordedAt);
