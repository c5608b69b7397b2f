using EventLedger.Domain.Invoices;
using EventLedger.EventStore.Events;

namespace EventLedger.EventStore.Append;

/// <summary>Events decided on <see cref="State"/>, to append at <c>State.Head.Version + 1 …</c>.</summary>
/// <param name="Fingerprint">A hash of the command's content: a command id reused for different content is rejected.</param>
public sealed record AppendRequest(
    DecisionContext State,
    IReadOnlyList<IInvoiceEvent> Events,
    EventMetadata Metadata,
    string? CommandId,
    string? Fingerprint);

/// <summary>The decision state of an invoice and, if the command id was seen before, that command's first result.</summary>
public sealed record LoadedState(DecisionContext Context, PriorCommand? Prior);

/// <summary>A command already processed: its result and the fingerprint of its content.</summary>
public sealed record PriorCommand(AppendResult Result, string? Fingerprint);

/// <summary>The stream moved on since the state was read (another writer won the race). Nothing was written.</summary>
public sealed class ConcurrencyConflictException(string invoiceNumber, long expectedVersion)
    : Exception($"Invoice '{invoiceNumber}' changed after version {expectedVersion} was read; nothing was written.")
{
    public string InvoiceNumber { get; } = invoiceNumber;
    public long ExpectedVersion { get; } = expectedVersion;
}

/// <summary>
/// The append records a transaction whose id the invoice already holds, while the invoice was at the expected version:
/// the write's own condition found it (the decision state did not hold it, e.g. a cached head). Nothing was written.
/// </summary>
public sealed class TransactionExistsException(string invoiceNumber, string transactionId)
    : Exception($"Transaction '{transactionId}' already exists on invoice '{invoiceNumber}'; nothing was written.")
{
    public string InvoiceNumber { get; } = invoiceNumber;
    public string TransactionId { get; } = transactionId;
}

/// <summary>The command id was used before for a different command. Nothing was written.</summary>
public sealed class CommandIdReusedException(string commandId)
    : Exception($"Idempotency key '{commandId}' was already used for a different request; nothing was written.")
{
    public string CommandId { get; } = commandId;
}

/// <summary>An append exceeds a DynamoDB limit (400 KB per item; 100 items or 4 MB per transaction). Nothing was written.</summary>
public sealed class AppendTooLargeException(string message, long actualBytes, long limitBytes) : Exception(message)
{
    public long ActualBytes { get; } = actualBytes;
    public long LimitBytes { get; } = limitBytes;
}
