using System.Text.Json;
using EventLedger.Archive.Format;
using EventLedger.Archive.Targets;

namespace EventLedger.Archive.Reading;

/// <summary>
/// The archive's data objects as local files, for DuckDB (whose S3 extension the package does not ship) and for verification.
/// A local directory target is read in place. S3 objects are fetched into <see cref="Root"/> under their keys, again only when a
/// listing shows a different ETag than the copy's (objects are immutable, so after the first sync only new ones are fetched),
/// and copies of objects no longer listed are deleted, so the cache is the bucket's current content.
/// </summary>
public sealed class ArchiveObjectCache(IArchiveTarget target, string cacheRoot)
{
    private const string IndexFile = ".etags.json";
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>The directory that holds the data objects under <c>invoices/</c>.</summary>
    public string Root => target.LocalRoot ?? cacheRoot;

    public IArchiveTarget Target => target;

    /// <summary>Brings the local copy up to date; returns every data object (key, local path, remote tag).</summary>
    internal async Task<IReadOnlyList<CachedObject>> SyncAsync(CancellationToken ct)
    {
        var listed = new List<ArchiveObjectInfo>();
        await foreach (var item in target.ListAsync(ArchiveLayout.DataFolder, null, ct))
        {
            if (item.Key.EndsWith(".parquet", StringComparison.Ordinal))
            {
                listed.Add(item);
            }
        }

        if (target.LocalRoot is { } root)
        {
            return [.. listed.Select(o => new CachedObject(o.Key, Path.Combine(root, o.Key), o.ETag, o.Size))];
        }

        await _gate.WaitAsync(ct);
        try
        {
            Directory.CreateDirectory(cacheRoot);
            var index = ReadIndex();
            var result = new List<CachedObject>(listed.Count);
            foreach (var o in listed)
            {
                var path = Path.Combine(cacheRoot, o.Key.Replace('/', Path.DirectorySeparatorChar));
                if (!index.TryGetValue(o.Key, out var tag) || tag != o.ETag || !File.Exists(path))
                {
                    Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                    if (!await target.DownloadAsync(o.Key, path, ct))
                    {
                        continue; // deleted since it was listed
                    }

                    index[o.Key] = o.ETag;
                }

                result.Add(new CachedObject(o.Key, path, o.ETag, o.Size));
            }

            // Copies of objects that are gone would otherwise still be counted by queries.
            var current = result.Select(r => r.Key).ToHashSet(StringComparer.Ordinal);
            foreach (var stale in index.Keys.Where(k => !current.Contains(k)).ToList())
            {
                File.Delete(Path.Combine(cacheRoot, stale.Replace('/', Path.DirectorySeparatorChar)));
                index.Remove(stale);
            }

            WriteIndex(index);
            return result;
        }
        finally
        {
            _gate.Release();
        }
    }

    private Dictionary<string, string> ReadIndex()
    {
        var path = Path.Combine(cacheRoot, IndexFile);
        try
        {
            return File.Exists(path)
                ? JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path)) ?? []
                : [];
        }
        catch (JsonException)
        {
            return []; // a damaged index only costs a fresh download
        }
    }

    private void WriteIndex(Dictionary<string, string> index)
    {
        var path = Path.Combine(cacheRoot, IndexFile);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllText(temporary, JsonSerializer.Serialize(index));
        File.Move(temporary, path, overwrite: true);
    }
}

/// <summary>A data object and its local file.</summary>
internal sealed record CachedObject(string Key, string Path, string ETag, long Size);
