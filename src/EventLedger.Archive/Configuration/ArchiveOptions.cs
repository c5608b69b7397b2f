using System.Globalization;

namespace EventLedger.Archive.Configuration;

/// <summary>
/// The <c>Archive</c> configuration section (<c>Archive__Directory</c>, <c>Archive__Bucket</c>, … in the environment). Set
/// either <see cref="Directory"/> (a local directory, for one machine) or <see cref="Bucket"/> (S3, or any S3-compatible
/// endpoint with <see cref="ServiceUrl"/>); with neither the archive is off (the embedded stack gives a local directory).
/// </summary>
internal sealed record ArchiveOptions
{
    public const string Section = "Archive";

    /// <summary>A local directory that holds the archive (objects, manifest) as files.</summary>
    public string? Directory { get; init; }

    /// <summary>The S3 bucket. For the seven-year retention it is created with Object Lock enabled.</summary>
    public string? Bucket { get; init; }

    /// <summary>An S3-compatible endpoint, e.g. <c>http://127.0.0.1:4566</c>; null means AWS (region and credentials from the SDK's default chain).</summary>
    public string? ServiceUrl { get; init; }

    /// <summary>Signing region (default <c>us-east-1</c>).</summary>
    public string? Region { get; init; }

    /// <summary>Key prefix inside the bucket or directory (default none), e.g. <c>prod/</c>.</summary>
    public string? Prefix { get; init; }

    /// <summary>
    /// Buffer size per shard before an object is written: bytes, or with a unit (<c>5MB</c>, <c>64KB</c>). Default 5 MB, as
    /// Firehose's default; Firehose allows 1–128 MB. Smaller sizes are allowed for tests.
    /// </summary>
    public string? BufferSize { get; init; }

    /// <summary>
    /// Longest a shard's buffer waits before an object is written: seconds (<c>300</c>) or a TimeSpan (<c>00:05:00</c>).
    /// Default 300 s, as Firehose's default; Firehose allows 60–900 s. Down to 0 (an object per batch) for tests.
    /// </summary>
    public string? BufferInterval { get; init; }

    /// <summary>Years every object is locked for (S3 Object Lock retention); default 7; 0 sends no retention.</summary>
    public int? RetentionYears { get; init; }

    /// <summary><c>COMPLIANCE</c> (default: nobody can shorten it) or <c>GOVERNANCE</c> (privileged users can).</summary>
    public string? RetentionMode { get; init; }

    /// <summary>Parquet compression: <c>zstd</c> (default), <c>snappy</c>, <c>gzip</c> or <c>none</c>.</summary>
    public string? Compression { get; init; }

    /// <summary>Where S3 objects are fetched to for queries and verification (default: under the system temp directory).</summary>
    public string? CacheDirectory { get; init; }

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Directory) || !string.IsNullOrWhiteSpace(Bucket);

    /// <summary>Checks and parses the options.</summary>
    /// <exception cref="ArchiveConfigurationException">A value is missing, unknown or out of range.</exception>
    public ArchiveSettings Resolve()
    {
        var errors = new List<string>();
        var hasDirectory = !string.IsNullOrWhiteSpace(Directory);
        var hasBucket = !string.IsNullOrWhiteSpace(Bucket);
        if (hasDirectory == hasBucket)
        {
            errors.Add(hasDirectory
                ? "set either Archive__Directory or Archive__Bucket, not both"
                : "set Archive__Directory (a local directory) or Archive__Bucket (S3)");
        }

        if (!hasBucket && !string.IsNullOrWhiteSpace(ServiceUrl))
        {
            errors.Add("Archive__ServiceUrl needs Archive__Bucket");
        }

        if (ServiceUrl is { Length: > 0 } url && !Uri.TryCreate(url, UriKind.Absolute, out _))
        {
            errors.Add($"Archive__ServiceUrl '{url}' is not an absolute URL");
        }

        var size = ParseSize(BufferSize, errors);
        var interval = ParseInterval(BufferInterval, errors);
        var years = RetentionYears ?? 7;
        if (years is < 0 or > 100)
        {
            errors.Add($"Archive__RetentionYears must be 0–100, not {years}");
        }

        var mode = (RetentionMode ?? "COMPLIANCE").ToUpperInvariant();
        if (mode is not ("COMPLIANCE" or "GOVERNANCE"))
        {
            errors.Add($"Archive__RetentionMode must be COMPLIANCE or GOVERNANCE, not '{RetentionMode}'");
        }

        var compression = (Compression ?? "zstd").ToLowerInvariant();
        if (compression is not ("zstd" or "snappy" or "gzip" or "none"))
        {
            errors.Add($"Archive__Compression must be zstd, snappy, gzip or none, not '{Compression}'");
        }

        if (errors.Count > 0)
        {
            throw new ArchiveConfigurationException($"Archive configuration: {string.Join("; ", errors)}.");
        }

        var prefix = (Prefix ?? "").Trim('/');
        return new ArchiveSettings(
            hasDirectory ? Path.GetFullPath(Directory!) : null,
            hasBucket ? Bucket!.Trim() : null,
            string.IsNullOrWhiteSpace(ServiceUrl) ? null : ServiceUrl,
            string.IsNullOrWhiteSpace(Region) ? "us-east-1" : Region!,
            prefix.Length == 0 ? "" : prefix + "/",
            size,
            interval,
            years,
            mode,
            compression,
            string.IsNullOrWhiteSpace(CacheDirectory) ? null : Path.GetFullPath(CacheDirectory!));
    }

    private static long ParseSize(string? text, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return 5L * 1024 * 1024;
        }

        var t = text.Trim().ToUpperInvariant();
        var (number, multiplier) = t switch
        {
            _ when t.EndsWith("MB", StringComparison.Ordinal) => (t[..^2], 1024L * 1024),
            _ when t.EndsWith("KB", StringComparison.Ordinal) => (t[..^2], 1024L),
            _ when t.EndsWith('B') => (t[..^1], 1L),
            _ => (t, 1L),
        };
        if (!long.TryParse(number.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value * multiplier is < 1 or > 128L * 1024 * 1024)
        {
            errors.Add($"Archive__BufferSize must be 1 byte to 128MB (e.g. 5MB, 64KB, 1048576), not '{text}'");
            return 0;
        }

        return value * multiplier;
    }

    private static TimeSpan ParseInterval(string? text, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return TimeSpan.FromSeconds(300);
        }

        // A bare number is seconds (TimeSpan.Parse would read "300" as 300 days).
        TimeSpan value;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
        {
            value = TimeSpan.FromSeconds(seconds);
        }
        else if (!TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value))
        {
            errors.Add($"Archive__BufferInterval must be seconds (300) or a TimeSpan (00:05:00), not '{text}'");
            return TimeSpan.Zero;
        }

        if (value < TimeSpan.Zero || value > TimeSpan.FromSeconds(900))
        {
            errors.Add($"Archive__BufferInterval must be 0–900 seconds, not '{text}'");
        }

        return value;
    }
}

/// <summary>The archive's resolved settings (see <see cref="ArchiveOptions"/>).</summary>
/// <param name="Directory">The local directory target, or null.</param>
/// <param name="Bucket">The S3 bucket target, or null.</param>
/// <param name="Prefix">Key prefix, empty or ending in '/'.</param>
public sealed record ArchiveSettings(
    string? Directory,
    string? Bucket,
    string? ServiceUrl,
    string Region,
    string Prefix,
    long BufferSizeBytes,
    TimeSpan BufferInterval,
    int RetentionYears,
    string RetentionMode,
    string Compression,
    string? CacheDirectory)
{
    /// <summary>Where this archive is, for messages: the directory, or s3://bucket/prefix (at the endpoint).</summary>
    public string Location => Directory ?? $"s3://{Bucket}/{Prefix}" + (ServiceUrl is null ? "" : $" at {ServiceUrl}");
}

/// <summary>The archive is configured wrongly; the message says what to set.</summary>
public sealed class ArchiveConfigurationException(string message) : Exception(message);
