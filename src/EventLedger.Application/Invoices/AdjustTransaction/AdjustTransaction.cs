using EventLedger.Domain.Invoices;
using EventLedger.EventStore.Append;
using Mediator;

namespace EventLedger.Application.Invoices.AdjustTransaction;

/// <summary>Changes the amount of a live transaction.</summary>
public sealed record AdjustTransaction(string InvoiceNumber, string TransactionId, decimal Amount, string? Reason, CommandOptions Options) : IInvoiceCommandMessage
{
    string? IInvoiceCommandMessage.TransactionId => TransactionId;

    public InvoiceCommand ToDomain() => new AdjustTransactionCommand(TransactionId, Amount, Reason);
}

public sealed class AdjustTransactionHandler(InvoiceCommandExecutor executor) : ICommandHandler<AdjustTransaction, AppendResult>
{
    public ValueTask<AppendResult> Handle(AdjustTransaction command, CancellationToken cancellationToken) =>
        executor.ExecuteAsync(command, cancellationToken);
}
