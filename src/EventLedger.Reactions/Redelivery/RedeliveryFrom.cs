using System.Globalization;

namespace EventLedger.Reactions.Redelivery;

/// <summary>
/// Where a redelivery starts: a time (every invoice's events recorded at or after it: a scan of the event store) or
/// <c>INVOICE/VERSION</c> (that invoice's events from that version on: a query).
/// </summary>
public sealed record RedeliveryFrom(DateTimeOffset? Time, string? InvoiceNumber, long Version)
{
    public override string ToString() => Time is { } t
        ? t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
        : $"{InvoiceNumber}/{Version.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>An ISO 8601 time or date (UTC unless it has an offset), or INVOICE/VERSION with VERSION ≥ 1.</summary>
    public static bool TryParse(string? text, out RedeliveryFrom from, out string error)
    {
        from = new RedeliveryFrom(null, null, 0);
        error = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "Give a time (e.g. 2026-12-01T08:00:00Z or 2026-12-01) or INVOICE/VERSION (e.g. 1212121/3).";
            return false;
        }

        var slash = text.LastIndexOf('/');
        if (slash >= 0)
        {
            var invoice = text[..slash];
            if (invoice.Length == 0 || !long.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var version) || version < 1)
            {
                error = $"'{text}' is not INVOICE/VERSION with a version of at least 1 (e.g. 1212121/3).";
                return false;
            }

            from = new RedeliveryFrom(null, invoice, version);
            return true;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            from = new RedeliveryFrom(time, null, 0);
            return true;
        }

        error = $"'{text}' is neither a time (e.g. 2026-12-01T08:00:00Z) nor INVOICE/VERSION (e.g. 1212121/3).";
        return false;
    }
}
