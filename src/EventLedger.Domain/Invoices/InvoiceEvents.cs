using System.Text.Json;

namespace EventLedger.Domain.Invoices;

/// <summary>An event in an invoice's stream. Stored type names are in <see cref="EventTypeAttribute"/>, not the CLR name.</summary>
public interface IInvoiceEvent;

/// <summary>A transaction was recorded on the invoice.</summary>
/// <param name="TransactionId">Unique within the invoice.</param>
/// <param name="Amount">Decimal amount, at most 4 decimal places; zero and negative allowed.</param>
/// <param name="Currency">ISO 4217 code; one currency per invoice.</param>
/// <param name="Country">Country the transaction belongs to.</param>
/// <param name="InvoiceDate">The invoice date (analytics group by it).</param>
/// <param name="Document">Optional free-form JSON document (the sample's <c>InvoiceDoc</c>).</param>
/// <param name="Verifier">The verifier assigned to <paramref name="Country"/> when the transaction was recorded, or null.
/// Carried so that read models can apply the "counted only where a verifier is assigned" rule without looking anything up.</param>
[EventType("TransactionRecorded", 1)]
public sealed record TransactionRecorded(
    string TransactionId,
    decimal Amount,
    string Currency,
    string Country,
    DateOnly InvoiceDate,
    JsonElement? Document,
    string? Verifier) : IInvoiceEvent;

/// <summary>A live transaction's amount was changed. Carries the transaction's facts so projections need no lookup.</summary>
[EventType("TransactionAdjusted", 1)]
public sealed record TransactionAdjusted(
    string TransactionId,
    decimal NewAmount,
    decimal PreviousAmount,
    string Currency,
    string Country,
    DateOnly InvoiceDate,
    string? Reason) : IInvoiceEvent;

/// <summary>A live transaction was voided. Carries what was voided (amount, country, whether it was verified).</summary>
[EventType("TransactionVoided", 1)]
public sealed record TransactionVoided(
    string TransactionId,
    decimal Amount,
    string Currency,
    string Country,
    DateOnly InvoiceDate,
    string? VerifiedBy,
    string? Reason) : IInvoiceEvent;

/// <summary>A verifier (owner) was assigned to a country of the invoice, replacing any previous one.</summary>
[EventType("VerifierAssigned", 1)]
public sealed record VerifierAssigned(string Country, string Verifier) : IInvoiceEvent;

/// <summary>The verifier of a country was removed.</summary>
[EventType("VerifierUnassigned", 1)]
public sealed record VerifierUnassigned(string Country, string PreviousVerifier) : IInvoiceEvent;

/// <summary>The stable stored name and schema version of an event type, independent of its CLR name.</summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class EventTypeAttribute(string name, int schemaVersion) : Attribute
{
    public string Name { get; } = name;
    public int SchemaVersion { get; } = schemaVersion;
}
