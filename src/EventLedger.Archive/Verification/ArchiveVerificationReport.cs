namespace EventLedger.Archive.Verification;

/// <summary>
/// What <c>archive verify</c> and <c>GET /archive/status</c> found. <see cref="Complete"/> is true when every event of the
/// event store up to the archive's position is in the archive exactly once, every object is where the manifest says with
/// the SHA-256 it says, and no object is outside the manifest. Lists are cut at <see cref="ArchiveVerifier.ListLimit"/>
/// entries; the counts are whole.
/// </summary>
/// <param name="Location">The archive's bucket or directory.</param>
/// <param name="Positions">Per shard: the stored position, and the object being stored when the check ran.</param>
/// <param name="Objects">Committed data objects in the manifest.</param>
/// <param name="ArchivedEvents">Rows in those objects.</param>
/// <param name="EventStoreEvents">Events in the event store.</param>
/// <param name="PendingEvents">Events after the archive's position (delivered to the archive or on their way), not stored yet.</param>
/// <param name="MissingEventCount">Events of the event store up to the archive's position that no object holds.</param>
/// <param name="Missing">Some of them: invoice and version.</param>
/// <param name="DuplicateEventCount">Events that more than one object holds.</param>
/// <param name="UnknownEventCount">Archived events the event store does not have.</param>
/// <param name="MissingObjects">Objects in the manifest that are not in the bucket or directory.</param>
/// <param name="AlteredObjects">Objects whose SHA-256 differs from the manifest's.</param>
/// <param name="UnlistedObjects">Data objects that no manifest entry names (a query would count them).</param>
/// <param name="Problems">Each problem in one sentence; empty when complete.</param>
public sealed record ArchiveVerificationReport(
    bool Complete,
    string Location,
    DateTimeOffset CheckedAt,
    IReadOnlyList<ArchiveShardPosition> Positions,
    int Objects,
    long Bytes,
    long ArchivedEvents,
    long EventStoreEvents,
    long PendingEvents,
    long MissingEventCount,
    IReadOnlyList<ArchivedEventKey> Missing,
    long DuplicateEventCount,
    IReadOnlyList<ArchivedEventKey> Duplicates,
    long UnknownEventCount,
    IReadOnlyList<ArchivedEventKey> Unknown,
    IReadOnlyList<string> MissingObjects,
    IReadOnlyList<AlteredObject> AlteredObjects,
    IReadOnlyList<string> UnlistedObjects,
    IReadOnlyList<string> Problems,
    IReadOnlyList<string> Notes,
    DateTimeOffset? LastStoredAt);

/// <summary>One shard's archive position; <paramref name="Storing"/> names the object of a claim not committed yet.</summary>
public sealed record ArchiveShardPosition(string ShardId, string? Position, string? Storing);

/// <summary>An event by invoice and version.</summary>
public sealed record ArchivedEventKey(string InvoiceNumber, long Version);

/// <summary>An object whose content is not what the manifest recorded.</summary>
public sealed record AlteredObject(string Key, string ExpectedSha256, string ActualSha256);
