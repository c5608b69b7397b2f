using System.Text.Json;
using System.Text.Json.Serialization;

namespace EventLedger.Archive.Format;

/// <summary>
/// What the archive knows about one stored object: where it is, its SHA-256 and size (verification recomputes them), how many
/// events it holds and which part of the stream (<see cref="Shard"/>, after <see cref="From"/> up to <see cref="To"/>). Kept
/// beside the objects, one JSON file each (<see cref="ArchiveLayout.ManifestKey"/>), and written before the shard's position is
/// committed, so every committed object has one.
/// </summary>
/// <param name="Key">The object's key under the archive's prefix.</param>
/// <param name="Sha256">Lowercase hex SHA-256 of the object's bytes.</param>
/// <param name="Bytes">The object's size.</param>
/// <param name="Events">Rows (events) in the object.</param>
/// <param name="Shard">The stream shard, or <c>_retries</c> for a dead-letter retry.</param>
/// <param name="From">The sequence number the object continues after (exclusive; <c>0</c> at the shard's start); null for a retry.</param>
/// <param name="To">The last record's sequence number (inclusive); null for a retry.</param>
/// <param name="FirstRecordedAt">The earliest event's recorded-at.</param>
/// <param name="LastRecordedAt">The latest event's recorded-at.</param>
/// <param name="SchemaVersion">The Parquet schema version (<see cref="ArchiveSchema.Version"/>).</param>
/// <param name="StoredAt">When the writer stored it.</param>
internal sealed record ManifestEntry(
    string Key,
    string Sha256,
    long Bytes,
    int Events,
    string Shard,
    string? From,
    string? To,
    DateTimeOffset FirstRecordedAt,
    DateTimeOffset LastRecordedAt,
    int SchemaVersion,
    DateTimeOffset StoredAt)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    [JsonIgnore]
    public string ManifestKey => From is null || To is null ? ArchiveLayout.RetryManifestKey(Key) : ArchiveLayout.ManifestKey(Shard, From, To);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <exception cref="InvalidDataException">Not a manifest entry.</exception>
    public static ManifestEntry Parse(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<ManifestEntry>(json, Json) ?? throw new InvalidDataException("The manifest entry is empty.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Not a manifest entry: {ex.Message}", ex);
        }
    }
}
