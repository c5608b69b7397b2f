using EventLedger.Domain.Invoices;
using Mediator;

namespace EventLedger.Application.Invoices;

// One handler per command: which state deciding it needs, and the pure decision. InvoiceAppender loads that state,
// decides with it, appends, and retries a lost race; input was validated before (ValidationBehavior).

public sealed class RecordTransactionHandler(InvoiceAppender invoices) : ICommandHandler<RecordTransaction, AppendResult>
{
    public ValueTask<AppendResult> Handle(RecordTransaction command, CancellationToken cancellationToken) =>
        invoices.DecideAndAppendAsync(command, StateNeeded.NewTransaction(command.TransactionId), state => InvoiceDecider.Decide(state, command), cancellationToken);
}

public sealed class AdjustTransactionHandler(InvoiceAppender invoices) : ICommandHandler<AdjustTransaction, AppendResult>
{
    public ValueTask<AppendResult> Handle(AdjustTransaction command, CancellationToken cancellationToken) =>
        invoices.DecideAndAppendAsync(command, StateNeeded.Transaction(command.TransactionId), state => InvoiceDecider.Decide(state, command), cancellationToken);
}

public sealed class VoidTransactionHandler(InvoiceAppender invoices) : ICommandHandler<VoidTransaction, AppendResult>
{
    public ValueTask<AppendResult> Handle(VoidTransaction command, CancellationToken cancellationToken) =>
        invoices.DecideAndAppendAsync(command, StateNeeded.Transaction(command.TransactionId), state => InvoiceDecider.Decide(state, command), cancellationToken);
}

public sealed class AssignVerifierHandler(InvoiceAppender invoices) : ICommandHandler<AssignVerifier, AppendResult>
{
    public ValueTask<AppendResult> Handle(AssignVerifier command, CancellationToken cancellationToken) =>
        invoices.DecideAndAppendAsync(command, StateNeeded.Head, state => InvoiceDecider.Decide(state, command), cancellationToken);
}

public sealed class UnassignVerifierHandler(InvoiceAppender invoices) : ICommandHandler<UnassignVerifier, AppendResult>
{
    public ValueTask<AppendResult> Handle(UnassignVerifier command, CancellationToken cancellationToken) =>
        invoices.DecideAndAppendAsync(command, StateNeeded.Head, state => InvoiceDecider.Decide(state, command), cancellationToken);
}
