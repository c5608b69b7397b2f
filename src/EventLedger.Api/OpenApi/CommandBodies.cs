using System.ComponentModel;
using System.Text.Json;

namespace EventLedger.Api.OpenApi;

// The command endpoints read their bodies field by field (Http/JsonBody.cs), so that every wrong field gets its own
// message; these records only describe those bodies in the OpenAPI document. A test compares each record's required
// properties with the fields an empty body is told are missing, so the two cannot drift apart.

/// <summary>Body of <c>POST /invoices/{invoiceNumber}/transactions</c>.</summary>
public sealed record RecordTransactionBody
{
    [Description("1-128 characters: letters, digits, '_', '.', ':', '#' or '-'. Unique within the invoice: a second transaction with the same id is a 409.")]
    public required string TransactionId { get; init; }

    [Description("In the invoice's currency, at most 4 decimal places, less than 10^12 in absolute value.")]
    public required decimal Amount { get; init; }

    [Description("ISO 4217 code, e.g. USD. An invoice has one currency: its first transaction sets it, another is a 409.")]
    public required string Currency { get; init; }

    [Description("1-64 characters, starting with a letter (letters, spaces, '.', ''' or '-'), e.g. USA.")]
    public required string Country { get; init; }

    [Description("The invoice date, yyyy-MM-dd (what analytics groups by).")]
    public required DateOnly InvoiceDate { get; init; }

    [Description("Any JSON object stored with the transaction (the source document); counts toward DynamoDB's 400 KB item limit.")]
    public JsonElement? Document { get; init; }
}

/// <summary>Body of <c>PUT /invoices/{invoiceNumber}/transactions/{transactionId}</c>.</summary>
public sealed record AdjustTransactionBody
{
    [Description("The transaction's new amount (same rules as when recorded).")]
    public required decimal Amount { get; init; }

    [Description("Why, for the audit trail; at most 500 characters.")]
    public string? Reason { get; init; }
}

/// <summary>Body of <c>PUT /invoices/{invoiceNumber}/countries/{country}/verifier</c>.</summary>
public sealed record AssignVerifierBody
{
    [Description("Who verifies the invoice's transactions in this country; 1-254 characters.")]
    public required string Verifier { get; init; }
}
