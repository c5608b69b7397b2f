using EventLedger.Projections.DynamoDb;

namespace EventLedger.Projections.InvoiceTransactions;

/// <summary>
/// One row of the <c>invoice-transactions</c> read model (table key: <c>invoiceNumber</c> + <c>transactionId</c>): the
/// design pattern's InvoiceTransactions table, current state. Served by <c>GET /invoices/{invoiceNumber}/transactions?prefix=</c>.
/// </summary>
/// <param name="InvoiceNumber">The invoice (the event stream id).</param>
/// <param name="TransactionId">Unique within the invoice; queried with <c>begins_with</c>.</param>
/// <param name="Amount">The current amount (after adjustments); for a voided transaction, the amount it had when voided.</param>
/// <param name="Currency">The invoice's currency.</param>
/// <param name="Country">The transaction's country.</param>
/// <param name="InvoiceDate">The invoice date.</param>
/// <param name="Status">Live or voided. Voided rows stay as tombstones: their version keeps a replayed
/// TransactionRecorded from bringing them back. Queries hide them unless asked.</param>
/// <param name="VerifiedBy">The verifier the transaction's country had when it was recorded, or null.</param>
/// <param name="Document">The optional JSON document recorded with the transaction (the sample's InvoiceDoc), as JSON text.</param>
/// <param name="UpdatedAt">RecordedAt of the last event applied to this transaction.</param>
/// <param name="LastAppliedVersion">The invoice version of the last event applied to this transaction.</param>
public sealed record InvoiceTransactionRow(
    [property: PartitionKey] string InvoiceNumber,
    [property: SortKey] string TransactionId,
    decimal Amount,
    string Currency,
    string Country,
    DateOnly InvoiceDate,
    TransactionStatus Status,
    string? VerifiedBy,
    string? Document,
    DateTimeOffset UpdatedAt,
    long LastAppliedVersion);

/// <summary>A transaction's status in the read model. Stored as <c>live</c> / <c>voided</c>.</summary>
public enum TransactionStatus
{
    Live,
    Voided,
}
