using System.Text.Json;
using Mediator;

namespace EventLedger.Domain.Invoices;

/// <summary>
/// A command addressed to one invoice: the one type per use case that the API sends through Mediator, the validation
/// behavior checks and <see cref="InvoiceDecider"/> decides (ADR 0008).
/// </summary>
/// <param name="InvoiceNumber">The invoice (stream) the command is addressed to.</param>
public abstract record InvoiceCommand(string InvoiceNumber)
{
    /// <summary>How the command was sent (HTTP <c>Idempotency-Key</c>, <c>If-Match</c>, actor, correlation id).</summary>
    public CommandOptions Options { get; init; } = CommandOptions.None;

    /// <summary>
    /// Errors found while the command was read from its input (a field missing or of the wrong JSON type, a malformed
    /// header). The validation behavior reports them together with the rule errors of the fields that were read, so
    /// one answer names every field at fault. Not part of the command's content.
    /// </summary>
    public IReadOnlyList<FieldError> InputErrors { get; init; } = [];
}

/// <summary>Records a transaction on an invoice.</summary>
/// <param name="Document">Optional free-form JSON object (the sample's <c>InvoiceDoc</c>).</param>
public sealed record RecordTransaction(
    string InvoiceNumber, string TransactionId, decimal Amount, string Currency, string Country, DateOnly InvoiceDate, JsonElement? Document)
    : InvoiceCommand(InvoiceNumber), ICommand<AppendResult>;

/// <summary>Changes the amount of a live transaction.</summary>
public sealed record AdjustTransaction(string InvoiceNumber, string TransactionId, decimal Amount, string? Reason)
    : InvoiceCommand(InvoiceNumber), ICommand<AppendResult>;

/// <summary>Voids a live transaction.</summary>
public sealed record VoidTransaction(string InvoiceNumber, string TransactionId, string? Reason)
    : InvoiceCommand(InvoiceNumber), ICommand<AppendResult>;

/// <summary>Assigns (or replaces) the verifier of a country on an invoice.</summary>
public sealed record AssignVerifier(string InvoiceNumber, string Country, string Verifier)
    : InvoiceCommand(InvoiceNumber), ICommand<AppendResult>;

/// <summary>Removes the verifier of a country on an invoice.</summary>
public sealed record UnassignVerifier(string InvoiceNumber, string Country)
    : InvoiceCommand(InvoiceNumber), ICommand<AppendResult>;

/// <summary>How a command is sent: the idempotency key (HTTP <c>Idempotency-Key</c>), the expected version
/// (HTTP <c>If-Match</c>), who sent it, and the correlation id copied into the events' metadata.</summary>
public sealed record CommandOptions(string? IdempotencyKey = null, long? ExpectedVersion = null, string? Actor = null, string? CorrelationId = null)
{
    public static readonly CommandOptions None = new();
}

/// <summary>What a successful (or replayed) command returns: the invoice, the version its last event got, and that event's id.</summary>
/// <param name="Replayed">True when the command id was seen before and this is its first result, returned again.</param>
public sealed record AppendResult(string InvoiceNumber, long Version, Guid EventId, bool Replayed = false);
