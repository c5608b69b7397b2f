using EventLedger.Projections.DynamoDb;

namespace EventLedger.Projections.InvoiceTotals;

/// <summary>
/// One row of the <c>invoice-totals</c> read model (table key: <c>invoiceNumber</c>). Served by <c>GET /invoices/{invoiceNumber}</c>.
/// </summary>
/// <param name="InvoiceNumber">The invoice (the event stream id).</param>
/// <param name="Total">Sum of the current amounts of the invoice's live (not voided) transactions.</param>
/// <param name="Currency">The invoice's currency; null until its first transaction (e.g. only a verifier was assigned).</param>
/// <param name="TransactionCount">Number of live transactions.</param>
/// <param name="UpdatedAt">RecordedAt of the last event applied.</param>
/// <param name="LastAppliedVersion">The invoice's stream version last applied. Every event of the invoice advances it, so it
/// equals the invoice's version once the read model has caught up (read-your-writes waits on it).</param>
public sealed record InvoiceTotalsRow(
    [property: PartitionKey] string InvoiceNumber,
    decimal Total,
    string? Currency,
    long TransactionCount,
    DateTimeOffset UpdatedAt,
    long LastAppliedVersion);
