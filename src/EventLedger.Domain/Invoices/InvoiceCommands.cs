using System.Text.Json;

namespace EventLedger.Domain.Invoices;

/// <summary>The domain's view of a command: what the decider needs, nothing about transport.</summary>
public abstract record InvoiceCommand;

public sealed record RecordTransactionCommand(
    string TransactionId, decimal Amount, string Currency, string Country, DateOnly InvoiceDate, JsonElement? Document) : InvoiceCommand;

public sealed record AdjustTransactionCommand(string TransactionId, decimal Amount, string? Reason) : InvoiceCommand;

public sealed record VoidTransactionCommand(string TransactionId, string? Reason) : InvoiceCommand;

public sealed record AssignVerifierCommand(string Country, string Verifier) : InvoiceCommand;

public sealed record UnassignVerifierCommand(string Country) : InvoiceCommand;
