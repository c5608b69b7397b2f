using System.Text.Json;

namespace EventLedger.Projections.Search;

/// <summary>
/// One transaction as the <c>invoice-search</c> read model stores it: a Marten document (JSON in PostgreSQL) whose
/// indexed members answer <c>GET /search</c>. It is a pure function of the transaction's events: the facts of its last
/// event plus the free-form document of its <c>TransactionRecorded</c>.
/// </summary>
public sealed class InvoiceSearchDocument
{
    /// <summary><c>{invoiceNumber}/{transactionId}</c> (neither may contain '/'); also the paging order without <c>q</c>.</summary>
    public string Id { get; set; } = "";

    public string InvoiceNumber { get; set; } = "";

    public string TransactionId { get; set; } = "";

    /// <summary>Current amount (after adjustments; for a voided transaction, the amount voided).</summary>
    public decimal Amount { get; set; }

    public string Currency { get; set; } = "";

    public string Country { get; set; } = "";

    public DateOnly InvoiceDate { get; set; }

    /// <summary><see cref="InvoiceSearchStatus.Live"/> or <see cref="InvoiceSearchStatus.Voided"/>.</summary>
    public string Status { get; set; } = InvoiceSearchStatus.Live;

    /// <summary>The country's verifier when the transaction was recorded (the seed's <c>verify_action</c>), or null.</summary>
    public string? Verifier { get; set; }

    /// <summary>The transaction's free-form JSON document (the seed's <c>InvoiceDoc</c>) as recorded, or null.</summary>
    public JsonElement? Document { get; set; }

    /// <summary>The document's vendor name (<c>Vendor Name</c>, <c>vendorName</c> or <c>vendor</c>); n-gram indexed.</summary>
    public string? Vendor { get; set; }

    /// <summary>The document's item lines (the seed's <c>ItemsDesc</c>), names in lower case.</summary>
    public List<InvoiceSearchItem> Items { get; set; } = [];

    /// <summary>The distinct item names (lower case); a GIN-indexed column, so an item filter is served by an index.</summary>
    public string[] ItemNames { get; set; } = [];

    /// <summary>The transaction id and every key and value of the document, space separated; full-text indexed ('simple').</summary>
    public string SearchText { get; set; } = "";

    /// <summary>When the last applied event was recorded.</summary>
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>The invoice stream version of the last event applied to this transaction (also Marten's numeric revision).</summary>
    public long LastAppliedVersion { get; set; }

    public static string IdOf(string invoiceNumber, string transactionId) => $"{invoiceNumber}/{transactionId}";
}

/// <summary>An item line of a document: <c>{"printer": {"Quantity": 2}}</c> → (printer, 2).</summary>
/// <param name="Name">The item's name in lower case.</param>
/// <param name="Quantity">Its quantity, or null when the line names none.</param>
public sealed record InvoiceSearchItem(string Name, decimal? Quantity);

/// <summary>The statuses a search document can have.</summary>
public static class InvoiceSearchStatus
{
    public const string Live = "live";
    public const string Voided = "voided";
}
