using EventLedger.Domain.Invoices;
using EventLedger.Projections.DynamoDb;

namespace EventLedger.Projections.InvoiceTransactions;

/// <summary>
/// invoice-transactions: the current state of each transaction (the design pattern's <c>InvoiceTransactions</c> table),
/// queried by invoice with <c>begins_with</c> on the transaction id. Voided transactions stay as tombstones, so a
/// replayed <c>TransactionRecorded</c> cannot bring them back. Verifier changes touch no row.
/// </summary>
public sealed class InvoiceTransactionsProjection : DynamoDbReadModel<InvoiceTransactionRow>
{
    public const string ProjectionName = "invoice-transactions";
    public const int CurrentSchemaVersion = 1;

    public InvoiceTransactionsProjection() : base(ProjectionName, CurrentSchemaVersion)
    {
        On<TransactionRecorded>((e, _) => e.TransactionId, (_, e, at) => new InvoiceTransactionRow(at.StreamId, e.TransactionId,
            e.Amount, e.Currency, e.Country, e.InvoiceDate, TransactionStatus.Live, e.Verifier, e.Document?.GetRawText(), at.RecordedAt, at.Version));

        // Without a row (a read model started after the transaction was recorded) the event's facts rebuild it.
        On<TransactionAdjusted>((e, _) => e.TransactionId, (row, e, at) => (row ?? new InvoiceTransactionRow(at.StreamId, e.TransactionId,
                e.NewAmount, e.Currency, e.Country, e.InvoiceDate, TransactionStatus.Live, null, null, at.RecordedAt, at.Version))
            with { Amount = e.NewAmount, UpdatedAt = at.RecordedAt });
        On<TransactionVoided>((e, _) => e.TransactionId, (row, e, at) => (row ?? new InvoiceTransactionRow(at.StreamId, e.TransactionId,
                e.Amount, e.Currency, e.Country, e.InvoiceDate, TransactionStatus.Voided, e.VerifiedBy, null, at.RecordedAt, at.Version))
            with { Amount = e.Amount, Status = TransactionStatus.Voided, VerifiedBy = e.VerifiedBy, UpdatedAt = at.RecordedAt });
    }
}
