namespace EventLedger.Projections.Reactions.ZeroAmountAlerts;

/// <summary>
/// The <c>data</c> of an <c>eventledger.alert.zero-amount.v1</c> message: a transaction was recorded with, or adjusted
/// to, an amount of zero, and the concerned team must act.
/// </summary>
/// <param name="InvoiceNumber">The invoice.</param>
/// <param name="TransactionId">The transaction whose amount is zero.</param>
/// <param name="Amount">Always 0.</param>
/// <param name="PreviousAmount">The amount before an adjustment to zero; null for a transaction recorded at zero.</param>
/// <param name="Currency">ISO 4217 code of the invoice.</param>
/// <param name="Country">The transaction's country.</param>
/// <param name="InvoiceDate">The invoice date (yyyy-MM-dd).</param>
/// <param name="RecordedAt">When the event was recorded.</param>
/// <param name="Trigger">The event that reported the zero: <c>TransactionRecorded</c> or <c>TransactionAdjusted</c>.</param>
/// <param name="Message">The design pattern's sentence: "Take immediate action for Invoice number … as zero value is reported in the
/// InvoiceTransactions table as on yyMMddHHmmss" (UTC; the seed's YYMMHH24MISS with the day added).</param>
public sealed record ZeroAmountAlert(
    string InvoiceNumber,
    string TransactionId,
    decimal Amount,
    decimal? PreviousAmount,
    string Currency,
    string Country,
    DateOnly InvoiceDate,
    DateTimeOffset RecordedAt,
    string Trigger,
    string Message);
