using EventLedger.Domain.Invoices;
using EventLedger.EventStore.Events;
using EventLedger.Projections.DynamoDb;

namespace EventLedger.Projections.InvoiceTotals;

/// <summary>
/// invoice-totals: one row per invoice with the sum and count of its live transactions (the design pattern's
/// <c>InvoiceTotal</c> table). Every event of the invoice touches the row, so its applied version is the invoice's.
/// </summary>
public sealed class InvoiceTotalsProjection : DynamoDbReadModel<InvoiceTotalsRow>
{
    public const string ProjectionName = "invoice-totals";
    public const int CurrentSchemaVersion = 1;

    public InvoiceTotalsProjection() : base(ProjectionName, CurrentSchemaVersion)
    {
        On<TransactionRecorded>((row, e, at) => Add(row, at, e.Amount, 1, e.Currency));
        On<TransactionAdjusted>((row, e, at) => Add(row, at, e.NewAmount - e.PreviousAmount, 0, e.Currency));
        On<TransactionVoided>((row, e, at) => Add(row, at, -e.Amount, -1, e.Currency));
        On<VerifierAssigned>((row, _, at) => Add(row, at, 0m, 0, null));
        On<VerifierUnassigned>((row, _, at) => Add(row, at, 0m, 0, null));
    }

    private static InvoiceTotalsRow Add(InvoiceTotalsRow? row, StoredEvent at, decimal amount, int count, string? currency)
    {
        var current = row ?? new InvoiceTotalsRow(at.StreamId, 0m, null, 0, at.RecordedAt, 0);
        return current with
        {
            Total = current.Total + amount,
            TransactionCount = current.TransactionCount + count,
            Currency = currency ?? current.Currency,
            UpdatedAt = at.RecordedAt,
        };
    }
}
