using System.Globalization;
using System.Text;
using System.Text.Json;

namespace EventLedger.Projections.Search;

/// <summary>
/// What the search read model takes out of a transaction's free-form document (the seed's <c>InvoiceDoc</c>): the vendor
/// name, the item lines, and the text that full-text search runs over. Keys are compared loosely (case and anything but
/// letters and digits ignored), so <c>Vendor Name</c>, <c>vendorName</c> and <c>vendor_name</c> are the same key.
/// </summary>
public static class InvoiceDocFields
{
    private static readonly string[] VendorKeys = ["vendorname", "vendor"];
    private static readonly string[] ItemKeys = ["itemsdesc", "items"];
    private static readonly string[] ItemNameKeys = ["name", "item"];

    /// <summary>The top-level vendor name (<c>Vendor Name</c>, <c>vendorName</c> or <c>vendor</c>, first found), or null.</summary>
    public static string? Vendor(JsonElement? document)
    {
        if (document is not { ValueKind: JsonValueKind.Object } doc) return null;
        foreach (var key in VendorKeys)
        {
            foreach (var property in Ordered(doc))
            {
                if (Normalize(property.Name) == key && property.Value.ValueKind == JsonValueKind.String)
                {
                    return property.Value.GetString();
                }
            }
        }

        return null;
    }

    /// <summary>
    /// The item lines of <c>ItemsDesc</c> (or <c>items</c>): an array of, or a single, object whose properties are items,
    /// <c>{"printer": {"Quantity": 2}}</c> or <c>{"printer": 2}</c>, or <c>{"name": "printer", "quantity": 2}</c> objects.
    /// Names are lower-cased; a quantity is a number or a numeric string, else null.
    /// </summary>
    public static List<InvoiceSearchItem> Items(JsonElement? document)
    {
        var items = new List<InvoiceSearchItem>();
        if (document is not { ValueKind: JsonValueKind.Object } doc) return items;
        foreach (var property in Ordered(doc))
        {
            if (!ItemKeys.Contains(Normalize(property.Name))) continue;
            switch (property.Value.ValueKind)
            {
                case JsonValueKind.Array:
                    foreach (var element in property.Value.EnumerateArray()) AddLines(element, items);
                    break;
                case JsonValueKind.Object:
                    AddLines(property.Value, items);
                    break;
            }
        }

        return [.. items.OrderBy(i => i.Name, StringComparer.Ordinal).ThenBy(i => i.Quantity)];
    }

    /// <summary>The transaction id, then every key and scalar value of the document (keys in ordinal order), space separated.</summary>
    public static string SearchText(string transactionId, JsonElement? document)
    {
        var text = new StringBuilder(transactionId);
        if (document is { } doc) AppendText(doc, text);
        return text.ToString();
    }

    private static void AddLines(JsonElement element, List<InvoiceSearchItem> items)
    {
        if (element.ValueKind != JsonValueKind.Object) return;
        string? named = null;
        decimal? namedQuantity = null;
        foreach (var line in Ordered(element))
        {
            var key = Normalize(line.Name);
            if (ItemNameKeys.Contains(key) && line.Value.ValueKind == JsonValueKind.String)
            {
                named = line.Value.GetString();
            }
            else if (key == "quantity")
            {
                namedQuantity = QuantityOf(line.Value);
            }
            else if (line.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Number or JsonValueKind.String)
            {
                items.Add(new InvoiceSearchItem(line.Name.Trim().ToLowerInvariant(), QuantityOf(line.Value)));
            }
        }

        if (!string.IsNullOrWhiteSpace(named))
        {
            items.Add(new InvoiceSearchItem(named.Trim().ToLowerInvariant(), namedQuantity));
        }
    }

    private static decimal? QuantityOf(JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Number when value.TryGetDecimal(out var n):
                return n;
            case JsonValueKind.String when decimal.TryParse(value.GetString(), NumberStyles.Number, CultureInfo.InvariantCulture, out var s):
                return s;
            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject())
                {
                    if (Normalize(property.Name) == "quantity") return QuantityOf(property.Value);
                }

                return null;
            default:
                return null;
        }
    }

    private static void AppendText(JsonElement element, StringBuilder text)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in Ordered(element))
                {
                    text.Append(' ').Append(property.Name);
                    AppendText(property.Value, text);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray()) AppendText(item, text);
                break;
            case JsonValueKind.String:
                text.Append(' ').Append(element.GetString());
                break;
            case JsonValueKind.Number:
            case JsonValueKind.True:
            case JsonValueKind.False:
                text.Append(' ').Append(element.GetRawText());
                break;
        }
    }

    /// <summary>
    /// Properties in ordinal key order. PostgreSQL's jsonb stores keys in its own order, so a document read back from the
    /// store (to apply an adjustment) would otherwise give a different search text than the one first recorded.
    /// </summary>
    private static IEnumerable<JsonProperty> Ordered(JsonElement element) =>
        element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal);

    private static string Normalize(string key)
    {
        var sb = new StringBuilder(key.Length);
        foreach (var c in key)
        {
            if (char.IsLetterOrDigit(c)) sb.Append(char.ToLowerInvariant(c));
        }

        return sb.ToString();
    }
}
