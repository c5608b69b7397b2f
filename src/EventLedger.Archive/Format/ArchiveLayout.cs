using System.Globalization;
using System.Numerics;

namespace EventLedger.Archive.Format;

/// <summary>
/// Where things are in the bucket or directory (under the configured prefix):
/// <list type="bullet">
/// <item><c>invoices/year=YYYY/month=MM/day=DD/{shard}-{from}-{to}.parquet</c>: events of one shard after sequence number
/// <c>from</c> (exclusive; 0 at the shard's start) up to <c>to</c> (inclusive), in stream order. The day is the UTC day of
/// the object's first event (Athena/DuckDB hive partitions). A buffer delivered again after a crash starts at the same
/// <c>from</c> and is the same object.</item>
/// <item><c>_manifest/{shard}/{from:40 digits}-{to:40 digits}.json</c>: the object's <see cref="ManifestEntry"/> (SHA-256,
/// rows, range), one file per object, so listing a shard's entries lists them in stream order.</item>
/// <item><c>invoices/…/retry-{invoice}-{version}-{eventId}.parquet</c> and <c>_manifest/_retries/…</c>: events applied by an
/// operator's dead-letter retry, which carry no stream position.</item>
/// </list>
/// </summary>
internal static class ArchiveLayout
{
    public const string DataFolder = "invoices/";
    public const string ManifestFolder = "_manifest/";
    public const string RetryShard = "_retries";

    /// <summary>The position before the first record of a shard.</summary>
    public const string ShardStart = "0";

    public static string DataKey(string shardId, string from, string to, DateTimeOffset firstRecordedAt) =>
        $"{DataFolder}{Partition(firstRecordedAt)}{Safe(shardId)}-{from}-{to}.parquet";

    public static string RetryDataKey(string streamId, long version, Guid eventId, DateTimeOffset recordedAt) =>
        $"{DataFolder}{Partition(recordedAt)}retry-{Safe(streamId)}-{version.ToString(CultureInfo.InvariantCulture)}-{eventId:N}.parquet";

    public static string ManifestKey(string shardId, string from, string to) =>
        $"{ManifestFolder}{Safe(shardId)}/{Pad(from)}-{Pad(to)}.json";

    public static string RetryManifestKey(string dataKey) =>
        $"{ManifestFolder}{RetryShard}/{Path.GetFileNameWithoutExtension(dataKey)}.json";

    /// <summary>The manifest entry's key of a data object's key; null when the key is not one the archive writes.</summary>
    public static string? ManifestKeyOf(string dataKey)
    {
        var name = Path.GetFileNameWithoutExtension(dataKey.AsSpan()[(dataKey.LastIndexOf('/') + 1)..]).ToString();
        if (name.StartsWith("retry-", StringComparison.Ordinal))
        {
            return RetryManifestKey(dataKey);
        }

        var parts = name.Split('-');
        return parts.Length >= 3 && parts[^1].All(char.IsAsciiDigit) && parts[^2].All(char.IsAsciiDigit)
            ? ManifestKey(string.Join('-', parts[..^2]), parts[^2], parts[^1])
            : null;
    }

    /// <summary>The manifest folder of one shard.</summary>
    public static string ManifestFolderOf(string shardId) => $"{ManifestFolder}{Safe(shardId)}/";

    /// <summary><c>year=YYYY/month=MM/day=DD/</c> of a UTC time.</summary>
    public static string Partition(DateTimeOffset at)
    {
        var utc = at.UtcDateTime;
        return string.Create(CultureInfo.InvariantCulture, $"year={utc.Year:D4}/month={utc.Month:D2}/day={utc.Day:D2}/");
    }

    /// <summary>Sequence numbers compared as numbers (they are decimal strings of different lengths).</summary>
    public static int Compare(string a, string b) =>
        BigInteger.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out var x) &&
        BigInteger.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out var y)
            ? x.CompareTo(y)
            : string.CompareOrdinal(a, b);

    /// <summary>Zero-padded to 40 digits, so that key order is number order.</summary>
    public static string Pad(string sequenceNumber) => sequenceNumber.PadLeft(40, '0');

    // Shard ids are letters, digits and dashes; anything else would not be a safe path segment.
    private static string Safe(string id) =>
        id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') && id is not ("." or "..")
            ? id
            : throw new ArgumentException($"'{id}' cannot be used in an archive key.", nameof(id));
}
