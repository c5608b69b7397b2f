using EventLedger.Domain.Invoices;
using EventLedger.EventStore.Append;
using Mediator;

namespace EventLedger.Application.Invoices.VoidTransaction;

/// <summary>Voids a live transaction.</summary>
public sealed record VoidTransaction(string InvoiceNumber, string TransactionId, string? Reason, CommandOptions Options) : IInvoiceCommandMessage
{
    string? IInvoiceCommandMessage.TransactionId => TransactionId;

    public InvoiceCommand ToDomain() => new VoidTransactionCommand(TransactionId, Reason);
}

public sealed class VoidTransactionHandler(InvoiceCommandExecutor executor) : ICommandHandler<VoidTransaction, AppendResult>
{
    public ValueTask<AppendResult> Handle(VoidTransaction command, CancellationToken cancellationToken) =>
        executor.ExecuteAsync(command, cancellationToken);
}
