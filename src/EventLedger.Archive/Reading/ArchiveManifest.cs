using System.Runtime.CompilerServices;
using System.Text;
using EventLedger.Archive.Format;
using EventLedger.Archive.Targets;

namespace EventLedger.Archive.Reading;

/// <summary>The manifest entries beside the objects (<see cref="ArchiveLayout"/>): one JSON file per stored object.</summary>
internal sealed class ArchiveManifest(IArchiveTarget target)
{
    public IArchiveTarget Target => target;

    /// <summary>Every entry, shard by shard, in stream order within a shard; retries last.</summary>
    public async IAsyncEnumerable<ManifestEntry> ListAsync([EnumeratorCancellation] CancellationToken ct)
    {
        await foreach (var item in target.ListAsync(ArchiveLayout.ManifestFolder, null, ct))
        {
            if (await GetAsync(item.Key, ct) is { } entry)
            {
                yield return entry;
            }
        }
    }

    /// <summary>A shard's entries that continue at or after <paramref name="fromAtLeast"/>, in stream order.</summary>
    public async IAsyncEnumerable<ManifestEntry> ListShardAsync(string shardId, string fromAtLeast, [EnumeratorCancellation] CancellationToken ct)
    {
        var folder = ArchiveLayout.ManifestFolderOf(shardId);
        // Keys are {from:40}-{to:40}.json: every key of an entry whose from is at least fromAtLeast sorts after the bare padded number.
        var startAfter = folder + ArchiveLayout.Pad(fromAtLeast);
        await foreach (var item in target.ListAsync(folder, startAfter, ct))
        {
            if (await GetAsync(item.Key, ct) is { } entry)
            {
                yield return entry;
            }
        }
    }

    public async Task<ManifestEntry?> GetAsync(string manifestKey, CancellationToken ct) =>
        await target.GetAsync(manifestKey, ct) is { } bytes ? ManifestEntry.Parse(Encoding.UTF8.GetString(bytes)) : null;

    public Task PutAsync(ManifestEntry entry, CancellationToken ct) =>
        target.PutAsync(entry.ManifestKey, Encoding.UTF8.GetBytes(entry.ToJson()), retain: true, ct);
}
