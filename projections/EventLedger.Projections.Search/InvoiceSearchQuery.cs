using System.Buffers.Text;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace EventLedger.Projections.Search;

/// <summary>A validated search: every filter optional, all of them combined with AND.</summary>
/// <param name="Text">Full text in web-search syntax (<c>printer -desktop "Vendor1 Inc"</c>); results ranked by relevance.</param>
/// <param name="Vendor">Case-insensitive substring of the document's vendor name.</param>
/// <param name="Item">An item line's name (case-insensitive), optionally with a quantity range.</param>
/// <param name="Status"><c>live</c> (the default), <c>voided</c> or <c>all</c>.</param>
/// <param name="Limit">Page size, 1-500 (default 50).</param>
/// <param name="Cursor">Where the previous page ended, from its <c>next</c>.</param>
public sealed partial record InvoiceSearchQuery(
    string? Text = null,
    string? Vendor = null,
    string? Item = null,
    decimal? MinQuantity = null,
    decimal? MaxQuantity = null,
    string? Country = null,
    string? Currency = null,
    string? InvoiceNumber = null,
    DateOnly? From = null,
    DateOnly? To = null,
    string Status = InvoiceSearchStatus.Live,
    int Limit = InvoiceSearchQuery.DefaultLimit,
    InvoiceSearchCursor? Cursor = null)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;
    public const string AllStatuses = "all";
    private const int MaxTextLength = 500;

    /// <summary>
    /// Parses the query string's values (null = absent). Returns the query, or the errors keyed by the parameter at fault
    /// (for a 400): an empty or unbalanced <c>q</c>, a <c>vendor</c> without a letter or digit, a quantity that is not a
    /// number or a range upside down, a bad date, status, limit or cursor.
    /// </summary>
    public static (InvoiceSearchQuery? Query, Dictionary<string, string[]> Errors) Parse(
        string? q, string? vendor, string? item, string? minQuantity, string? maxQuantity, string? country, string? currency,
        string? invoiceNumber, string? from, string? to, string? status, string? limit, string? cursor)
    {
        var errors = new Dictionary<string, string[]>();
        if (q is not null)
        {
            if (string.IsNullOrWhiteSpace(q)) errors["q"] = ["must not be empty"];
            else if (q.Length > MaxTextLength) errors["q"] = [$"must be at most {MaxTextLength} characters"];
            else if (q.Count(c => c == '"') % 2 != 0) errors["q"] = ["has an unbalanced quote (\")"];
            else if (!q.Any(char.IsLetterOrDigit)) errors["q"] = ["must contain at least one letter or digit"];
        }

        if (vendor is not null)
        {
            if (string.IsNullOrWhiteSpace(vendor)) errors["vendor"] = ["must not be empty"];
            else if (vendor.Length > 200) errors["vendor"] = ["must be at most 200 characters"];
            // The n-gram index is built from ASCII letters and digits; without one the search could only scan.
            else if (!vendor.Any(char.IsAsciiLetterOrDigit)) errors["vendor"] = ["must contain at least one letter a-z or digit"];
        }

        if (item is not null && (string.IsNullOrWhiteSpace(item) || item.Length > 200)) errors["item"] = ["must be 1-200 characters"];
        var min = Number(minQuantity, "minQuantity", errors);
        var max = Number(maxQuantity, "maxQuantity", errors);
        if ((min is not null || max is not null) && item is null)
        {
            errors[min is not null ? "minQuantity" : "maxQuantity"] = ["needs 'item': a quantity is that of an item line"];
        }

        if (min > max) errors["maxQuantity"] = ["must not be below minQuantity"];
        if (country is not null && (string.IsNullOrWhiteSpace(country) || country.Length > 64)) errors["country"] = ["must be 1-64 characters"];
        if (currency is not null && !CurrencyPattern().IsMatch(currency)) errors["currency"] = ["must be an ISO 4217 code of three letters, e.g. USD"];
        if (invoiceNumber is not null && !Domain.Invoices.InvoiceRules.IsValidInvoiceNumber(invoiceNumber)) errors["invoiceNumber"] = ["is not a valid invoice number"];
        var fromDate = Date(from, "from", errors);
        var toDate = Date(to, "to", errors);
        if (fromDate > toDate) errors["to"] = ["must not be before 'from'"];
        var statusValue = status ?? InvoiceSearchStatus.Live;
        if (statusValue is not (InvoiceSearchStatus.Live or InvoiceSearchStatus.Voided or AllStatuses)) errors["status"] = ["must be live, voided or all"];
        var limitValue = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out limitValue) || limitValue is < 1 or > MaxLimit))
        {
            errors["limit"] = [$"must be a whole number from 1 to {MaxLimit}"];
        }

        InvoiceSearchCursor? after = null;
        if (cursor is not null && !InvoiceSearchCursor.TryDecode(cursor, ranked: q is not null, out after))
        {
            errors["cursor"] = ["is not a cursor this search returned (use 'next' from the previous page, with the same parameters)"];
        }

        if (errors.Count > 0) return (null, errors);
        return (new InvoiceSearchQuery(q, vendor, item?.Trim().ToLowerInvariant(), min, max, country, currency?.ToUpperInvariant(),
            invoiceNumber, fromDate, toDate, statusValue, limitValue, after), errors);
    }

    private static decimal? Number(string? text, string name, Dictionary<string, string[]> errors)
    {
        if (text is null) return null;
        if (decimal.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n)) return n;
        errors[name] = [$"must be a number, not '{text}'"];
        return null;
    }

    private static DateOnly? Date(string? text, string name, Dictionary<string, string[]> errors)
    {
        if (text is null) return null;
        if (DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)) return date;
        errors[name] = [$"must be a date as yyyy-MM-dd, not '{text}'"];
        return null;
    }

    [GeneratedRegex("^[A-Za-z]{3}$")]
    private static partial Regex CurrencyPattern();
}

/// <summary>
/// Where a page ended: the last document's id, and for a ranked search its score (ranked pages are ordered by score, then
/// id). Opaque to callers: base64url of a small JSON object.
/// </summary>
public sealed record InvoiceSearchCursor(string Id, float? Score)
{
    public string Encode()
    {
        var json = Score is { } s
            ? JsonSerializer.Serialize(new { id = Id, s = s.ToString("R", CultureInfo.InvariantCulture) })
            : JsonSerializer.Serialize(new { id = Id });
        return Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));
    }

    public static bool TryDecode(string text, bool ranked, out InvoiceSearchCursor? cursor)
    {
        cursor = null;
        try
        {
            if (text.Length is 0 or > 1000) return false;
            using var json = JsonDocument.Parse(Base64Url.DecodeFromChars(text));
            if (json.RootElement.ValueKind != JsonValueKind.Object
                || !json.RootElement.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String || id.GetString() is not { Length: > 0 } idText)
            {
                return false;
            }

            float? score = null;
            if (json.RootElement.TryGetProperty("s", out var s))
            {
                if (s.ValueKind != JsonValueKind.String || !float.TryParse(s.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value)) return false;
                score = value;
            }

            if (ranked != score.HasValue) return false;
            cursor = new InvoiceSearchCursor(idText, score);
            return true;
        }
        catch (Exception e) when (e is FormatException or JsonException)
        {
            return false;
        }
    }
}

/// <summary>One search result: the transaction's current facts, its relevance (with <c>q</c>), and its document.</summary>
public sealed record InvoiceSearchHit(
    string InvoiceNumber,
    string TransactionId,
    decimal Amount,
    string Currency,
    string Country,
    DateOnly InvoiceDate,
    string Status,
    string? Verifier,
    double? Score,
    JsonElement? Document);

/// <summary>A page of results and the cursor of the next page (null on the last page).</summary>
public sealed record InvoiceSearchPage(IReadOnlyList<InvoiceSearchHit> Items, string? Next);
