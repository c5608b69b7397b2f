namespace EventLedger.Archive.Targets;

/// <summary>
/// Where the archive's objects are: an S3 bucket (or an S3-compatible endpoint) or a local directory. Keys are relative to
/// the archive's prefix and use '/' (see <see cref="Format.ArchiveLayout"/>). Writes are whole objects, atomic: a reader
/// sees the old object or the new one, never part of one.
/// </summary>
public interface IArchiveTarget : IDisposable
{
    /// <summary>For messages: the directory, or s3://bucket/prefix.</summary>
    string Location { get; }

    /// <summary>The directory the objects are files in, when they are (a local directory target); null for S3.</summary>
    string? LocalRoot { get; }

    /// <summary>Creates the bucket or directory when it is missing.</summary>
    Task EnsureReadyAsync(CancellationToken cancellationToken);

    /// <summary>Stores an object; <paramref name="retain"/> applies the configured retention (S3 Object Lock) to it.</summary>
    Task PutAsync(string key, byte[] content, bool retain, CancellationToken cancellationToken);

    /// <summary>The object's bytes, or null when there is none.</summary>
    Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>Copies the object to a local file (replacing it); false when there is no such object.</summary>
    Task<bool> DownloadAsync(string key, string path, CancellationToken cancellationToken);

    Task<bool> ExistsAsync(string key, CancellationToken cancellationToken);

    /// <summary>Every object under <paramref name="prefix"/> in key order, after <paramref name="startAfter"/> when given.</summary>
    IAsyncEnumerable<ArchiveObjectInfo> ListAsync(string prefix, string? startAfter, CancellationToken cancellationToken);

    /// <summary>Deletes an object (a no-op when it is absent). Fails for an object whose retention has not run out.</summary>
    Task DeleteAsync(string key, CancellationToken cancellationToken);
}

/// <summary>An object as a listing shows it: key, size, and a version tag that changes whenever its content does.</summary>
public sealed record ArchiveObjectInfo(string Key, long Size, string ETag);
