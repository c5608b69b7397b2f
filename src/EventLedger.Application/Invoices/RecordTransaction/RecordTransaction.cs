using System.Text.Json;
using EventLedger.Domain.Invoices;
using EventLedger.EventStore.Append;
using Mediator;

namespace EventLedger.Application.Invoices.RecordTransaction;

/// <summary>Records a transaction on an invoice.</summary>
public sealed record RecordTransaction(string InvoiceNumber, string TransactionId, decimal Amount, string Currency, string Country, DateOnly InvoiceDate, JsonElement? Document, CommandOptions Options) : IInvoiceCommandMessage
{
    string? IInvoiceCommandMessage.TransactionId => TransactionId;

    public InvoiceCommand ToDomain() => new RecordTransactionCommand(TransactionId, Amount, Currency, Country, InvoiceDate, Document);
}

public sealed class RecordTransactionHandler(InvoiceCommandExecutor executor) : ICommandHandler<RecordTransaction, AppendResult>
{
    public ValueTask<AppendResult> Handle(RecordTransaction command, CancellationToken cancellationToken) =>
        executor.ExecuteAsync(command, cancellationToken);
}
