using EventLedger.Domain.Invoices;
using EventLedger.EventStore.Append;
using Mediator;

namespace EventLedger.Application.Invoices.AssignVerifier;

/// <summary>Assigns (or replaces) the verifier of a country on an invoice.</summary>
public sealed record AssignVerifier(string InvoiceNumber, string Country, string Verifier, CommandOptions Options) : IInvoiceCommandMessage
{
    string? IInvoiceCommandMessage.TransactionId => null;

    public InvoiceCommand ToDomain() => new AssignVerifierCommand(Country, Verifier);
}

public sealed class AssignVerifierHandler(InvoiceCommandExecutor executor) : ICommandHandler<AssignVerifier, AppendResult>
{
    public ValueTask<AppendResult> Handle(AssignVerifier command, CancellationToken cancellationToken) =>
        executor.ExecuteAsync(command, cancellationToken);
}
