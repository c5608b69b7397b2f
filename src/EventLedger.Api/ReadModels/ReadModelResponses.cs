using System.Text.Json;

namespace EventLedger.Api.ReadModels;

/// <summary><c>GET /invoices/{n}</c>: the invoice-totals row.</summary>
public sealed record InvoiceTotalsResponse(string InvoiceNumber, decimal Total, string? Currency, long TransactionCount, DateTimeOffset UpdatedAt, long Version);

/// <summary>One row of <c>GET /invoices/{n}/transactions</c>.</summary>
public sealed record InvoiceTransactionResponse(
    string InvoiceNumber, string TransactionId, decimal Amount, string Currency, string Country, DateOnly InvoiceDate,
    string Status, string? VerifiedBy, JsonElement? Document, DateTimeOffset UpdatedAt, long Version);

/// <summary>One row of <c>GET /invoices/{n}/countries</c>.</summary>
public sealed record CountryCountsResponse(
    string InvoiceNumber, string Country, string? Verifier, long TransactionCount, long VerifiedTransactionCount, long Version);

/// <summary>One row of <c>GET /invoices/{n}/history</c>.</summary>
public sealed record InvoiceHistoryResponse(
    string InvoiceNumber, long Version, Guid EventId, string EventType, int SchemaVersion, JsonElement Data,
    HistoryMetadataResponse Metadata, DateTimeOffset RecordedAt);

public sealed record HistoryMetadataResponse(string? CommandId, string CorrelationId, string? CausationId, string? Actor);
