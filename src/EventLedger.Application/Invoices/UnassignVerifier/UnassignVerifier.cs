using EventLedger.Domain.Invoices;
using EventLedger.EventStore.Append;
using Mediator;

namespace EventLedger.Application.Invoices.UnassignVerifier;

/// <summary>Removes the verifier of a country on an invoice.</summary>
public sealed record UnassignVerifier(string InvoiceNumber, string Country, CommandOptions Options) : IInvoiceCommandMessage
{
    string? IInvoiceCommandMessage.TransactionId => null;

    public InvoiceCommand ToDomain() => new UnassignVerifierCommand(Country);
}

public sealed class UnassignVerifierHandler(InvoiceCommandExecutor executor) : ICommandHandler<UnassignVerifier, AppendResult>
{
    public ValueTask<AppendResult> Handle(UnassignVerifier command, CancellationToken cancellationToken) =>
        executor.ExecuteAsync(command, cancellationToken);
}
