namespace EventLedger.Api.Invoices;

/// <summary>What every command returns: the invoice, the version its (last) event got, and that event's id.
/// Pass <see cref="Version"/> as <c>minVersion</c> to a query to read your own write.</summary>
public sealed record CommandResponse(string InvoiceNumber, long Version, Guid EventId);

/// <summary>One event as stored, for <c>GET /invoices/{n}/events</c>.</summary>
public sealed record EventResponse(
    string StreamId, long Version, Guid EventId, string EventType, int SchemaVersion, object Data,
    EventMetadataResponse Metadata, DateTimeOffset RecordedAt);

public sealed record EventMetadataResponse(string? CommandId, string CorrelationId, string? CausationId, string? Actor);
