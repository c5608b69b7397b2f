using EventLedger.Domain.Invoices;
using EventLedger.EventStore.Append;
using Mediator;

namespace EventLedger.Application.Invoices;

/// <summary>How a command is sent: the idempotency key (HTTP <c>Idempotency-Key</c>), the expected version
/// (HTTP <c>If-Match</c>) and who sent it.</summary>
public sealed record CommandOptions(string? IdempotencyKey = null, long? ExpectedVersion = null, string? Actor = null, string? CorrelationId = null)
{
    public static readonly CommandOptions None = new();
}

/// <summary>A command addressed to one invoice. Every invoice command is one of these.</summary>
public interface IInvoiceCommandMessage : ICommand<AppendResult>
{
    string InvoiceNumber { get; }
    CommandOptions Options { get; }

    /// <summary>The transaction whose state deciding this command needs, if any.</summary>
    string? TransactionId { get; }

    InvoiceCommand ToDomain();
}
