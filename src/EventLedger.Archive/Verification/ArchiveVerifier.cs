using System.Security.Cryptography;
using Amazon.DynamoDBv2;
using EventLedger.Archive.Format;
using EventLedger.Archive.Reading;
using EventLedger.Archive.Writing;
using EventLedger.EventStore.Tables;
using EventLedger.Streams.Checkpoints;
using EventLedger.Streams.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EventLedger.Archive.Verification;

/// <summary>
/// Proves the archive complete, or lists what is wrong: every event of the event store up to the archive's position is in
/// exactly one stored object; every object the manifest names exists with the SHA-256 it records; the objects of each shard
/// follow each other without a gap or an overlap; and no data object is outside the manifest. Events after the archive's
/// position are read from the stream and counted as pending; they are not missing.
/// </summary>
/// <remarks>
/// Long work (at a million events most of it is the scan of the event store, 20 minutes on DynamoDB Local): it logs its
/// progress every <see cref="DefaultProgressInterval"/> — objects hashed, events scanned — and the time it took.
/// </remarks>
public sealed partial class ArchiveVerifier
{
    /// <summary>How often a running verification logs how far it got.</summary>
    public static readonly TimeSpan DefaultProgressInterval = TimeSpan.FromSeconds(5);

    /// <summary>Longest list in a report; the counts are whole.</summary>
    public const int ListLimit = 1000;

    private readonly ArchiveObjectCache _cache;
    private readonly ArchiveManifest _manifest;
    private readonly ArchiveCommitLog _log;
    private readonly string _subscription;
    private readonly IAmazonDynamoDB _dynamoDb;
    private readonly EventStoreTables _tables;
    private readonly IDynamoDbStreams _streams;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _progressInterval;

    internal ArchiveVerifier(ArchiveObjectCache cache, ArchiveCommitLog log, string subscription, IAmazonDynamoDB dynamoDb,
        EventStoreTables tables, IDynamoDbStreams streams, TimeProvider time, ILogger<ArchiveVerifier>? logger = null,
        TimeSpan? progressInterval = null)
    {
        _progressInterval = progressInterval ?? DefaultProgressInterval;
        (_cache, _log, _subscription, _dynamoDb, _tables, _streams, _time) = (cache, log, subscription, dynamoDb, tables, streams, time);
        _logger = logger ?? (ILogger)NullLogger.Instance;
        _manifest = new ArchiveManifest(cache.Target);
    }

    public async Task<ArchiveVerificationReport> VerifyAsync(CancellationToken ct)
    {
        var problems = new List<string>();
        var notes = new List<string>();
        var started = _time.GetTimestamp();
        var lastProgress = started;

        // Objects, then their entries, then the positions: a writer puts the object, then its entry, then commits, so whatever
        // was committed when the positions are read has its entry listed, unless it was stored while the listings ran; such
        // an object's entry is fetched by its key below.
        var objects = (await _cache.SyncAsync(ct)).ToDictionary(o => o.Key, StringComparer.Ordinal);
        var entries = new List<ManifestEntry>();
        await foreach (var entry in _manifest.ListAsync(ct))
        {
            entries.Add(entry);
        }

        var positions = await _log.ListAsync(_subscription, ct);
        var named = entries.Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
        foreach (var key in objects.Keys.Where(k => !named.Contains(k)).ToList())
        {
            if (ArchiveLayout.ManifestKeyOf(key) is { } manifestKey && await _manifest.GetAsync(manifestKey, ct) is { Key: var k } late && k == key)
            {
                entries.Add(late);
            }
        }

        var positionOf = positions.ToDictionary(p => p.ShardId, p => p.Checkpoint, StringComparer.Ordinal);
        var storing = positions.Where(p => p.PendingEntry is not null).Select(p => ManifestEntry.Parse(p.PendingEntry!).Key).ToHashSet(StringComparer.Ordinal);

        var committed = new List<ManifestEntry>();
        foreach (var entry in entries)
        {
            if (entry.From is null || entry.To is null)
            {
                committed.Add(entry); // a dead-letter retry: stored on its own, outside the shard's positions
            }
            else if (positionOf.TryGetValue(entry.Shard, out var position) && position is not null &&
                     (Checkpoint.IsShardEnd(position) || ArchiveLayout.Compare(entry.To, position) <= 0))
            {
                committed.Add(entry);
            }
            else if (!storing.Contains(entry.Key))
            {
                problems.Add($"object {entry.Key} is past shard {entry.Shard}'s position ({positionOf.GetValueOrDefault(entry.Shard) ?? "none"}) and not being stored: it was never committed, and a query counts its events");
            }
        }

        CheckChains(committed, positionOf, problems);
        LogHashing(committed.Count, objects.Count);

        var missingObjects = new List<string>();
        var altered = new List<AlteredObject>();
        var archived = new Dictionary<string, List<long>>(StringComparer.Ordinal);
        long archivedEvents = 0, bytes = 0;
        var hashed = 0;
        foreach (var entry in committed)
        {
            hashed++;
            if (!objects.TryGetValue(entry.Key, out var local))
            {
                missingObjects.Add(entry.Key);
                continue;
            }

            await using var file = File.OpenRead(local.Path);
            var sha = Convert.ToHexStringLower(await SHA256.HashDataAsync(file, ct));
            if (sha != entry.Sha256)
            {
                altered.Add(new AlteredObject(entry.Key, entry.Sha256, sha));
                continue;
            }

            file.Position = 0;
            foreach (var (stream, version) in await ArchiveParquet.ReadKeysAsync(file, ct))
            {
                if (!archived.TryGetValue(stream, out var versions))
                {
                    archived[stream] = versions = [];
                }

                versions.Add(version);
                archivedEvents++;
            }

            bytes += local.Size;
            if (_time.GetElapsedTime(lastProgress) >= _progressInterval)
            {
                lastProgress = _time.GetTimestamp();
                LogHashed(hashed, committed.Count, archivedEvents);
            }
        }

        var listed = entries.Select(e => e.Key).ToHashSet(StringComparer.Ordinal);
        var unlisted = objects.Keys.Where(k => !listed.Contains(k)).Order(StringComparer.Ordinal).ToList();
        foreach (var key in missingObjects.Take(ListLimit)) problems.Add($"object {key} is in the manifest but missing from {_cache.Target.Location}");
        foreach (var a in altered.Take(ListLimit)) problems.Add($"object {a.Key} was altered: SHA-256 {a.ActualSha256}, the manifest says {a.ExpectedSha256}");
        foreach (var key in unlisted.Take(ListLimit)) problems.Add($"object {key} is not in the manifest (a query counts it; verification cannot vouch for it)");

        LogScanning(archivedEvents);
        long scanned = 0;
        var scan = EventStoreIndex.ReadAsync(_dynamoDb, _tables, 4, ct, items => Interlocked.Add(ref scanned, items));
        var tick = _progressInterval < TimeSpan.FromMilliseconds(50) ? TimeSpan.FromMilliseconds(50) : _progressInterval;
        while (await Task.WhenAny(scan, Task.Delay(tick, _time, ct)) != scan)
        {
            LogScanned(Interlocked.Read(ref scanned), _time.GetElapsedTime(started).TotalSeconds);
        }

        var store = await scan;
        var streamArn = await EventStoreSchema.GetStreamArnAsync(_dynamoDb, _tables, ct);
        var (pendingEvents, tailNotes) = await new StreamTail(_streams).ReadAsync(streamArn, positionOf, ct);
        notes.AddRange(tailNotes);

        var missing = new List<ArchivedEventKey>();
        var duplicates = new List<ArchivedEventKey>();
        var unknown = new List<ArchivedEventKey>();
        long missingCount = 0, duplicateCount = 0, unknownCount = 0, pendingCount = 0, storeEvents = 0;
        foreach (var (stream, versions) in archived)
        {
            versions.Sort();
            var max = store.TryGetValue(stream, out var s) ? s.MaxVersion : 0;
            for (var i = 0; i < versions.Count; i++)
            {
                if (i > 0 && versions[i] == versions[i - 1])
                {
                    if (duplicateCount++ < ListLimit) duplicates.Add(new ArchivedEventKey(stream, versions[i]));
                }
                else if (versions[i] < 1 || versions[i] > max)
                {
                    if (unknownCount++ < ListLimit) unknown.Add(new ArchivedEventKey(stream, versions[i]));
                }
            }
        }

        foreach (var (stream, (maxVersion, count)) in store.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            storeEvents += count;
            if (count != maxVersion)
            {
                notes.Add($"the event store's stream {stream} holds {count} events up to version {maxVersion} (a gap in the store itself)");
            }

            var versions = archived.GetValueOrDefault(stream) ?? [];
            var next = 0;
            for (var v = 1L; v <= maxVersion; v++)
            {
                while (next < versions.Count && versions[next] < v) next++;
                if (next < versions.Count && versions[next] == v) continue;
                if (pendingEvents.Contains((stream, v)))
                {
                    pendingCount++;
                }
                else if (missingCount++ < ListLimit)
                {
                    missing.Add(new ArchivedEventKey(stream, v));
                }
            }
        }

        if (missingCount > 0) problems.Add($"{missingCount} events of the event store up to the archive's position are in no object");
        if (duplicateCount > 0) problems.Add($"{duplicateCount} events are in more than one object");
        if (unknownCount > 0) problems.Add($"{unknownCount} archived events are not in the event store");

        LogVerified(problems.Count == 0, archivedEvents, storeEvents, problems.Count, _time.GetElapsedTime(started).TotalSeconds);
        return new ArchiveVerificationReport(
            problems.Count == 0,
            _cache.Target.Location,
            _time.GetUtcNow(),
            [.. positions.OrderBy(p => p.ShardId, StringComparer.Ordinal).Select(p => new ArchiveShardPosition(
                p.ShardId, p.Checkpoint, p.PendingEntry is null ? null : ManifestEntry.Parse(p.PendingEntry).Key))],
            committed.Count,
            bytes,
            archivedEvents,
            storeEvents,
            pendingCount,
            missingCount,
            missing,
            duplicateCount,
            duplicates,
            unknownCount,
            unknown,
            missingObjects,
            altered,
            unlisted,
            problems,
            notes,
            entries.Count == 0 ? null : entries.Max(e => e.StoredAt));
    }

    /// <summary>Each shard's committed objects must follow each other from the shard's start up to its position.</summary>
    private static void CheckChains(List<ManifestEntry> committed, IReadOnlyDictionary<string, string?> positions, List<string> problems)
    {
        foreach (var shard in committed.Where(e => e.From is not null).GroupBy(e => e.Shard))
        {
            var expected = ArchiveLayout.ShardStart;
            foreach (var entry in shard.OrderBy(e => e.From!, Comparer<string>.Create(ArchiveLayout.Compare)))
            {
                if (entry.From != expected)
                {
                    problems.Add($"shard {shard.Key}: object {entry.Key} continues after {entry.From}, but the previous object ends at {expected} (a gap or an overlap)");
                }

                expected = entry.To!;
            }

            if (positions.TryGetValue(shard.Key, out var position) && position is not null && !Checkpoint.IsShardEnd(position) && position != expected)
            {
                problems.Add($"shard {shard.Key}: the archive's position is {position}, but its last object ends at {expected}");
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Archive verify: {Objects} committed objects ({Stored} stored), hashing and reading their keys")]
    private partial void LogHashing(int objects, int stored);

    [LoggerMessage(Level = LogLevel.Information, Message = "Archive verify: hashed {Done}/{Objects} objects, {Events} archived events so far")]
    private partial void LogHashed(int done, int objects, long events);

    [LoggerMessage(Level = LogLevel.Information, Message = "Archive verify: {Events} archived events read; scanning the event store")]
    private partial void LogScanning(long events);

    [LoggerMessage(Level = LogLevel.Information, Message = "Archive verify: scanned {Events} events of the event store ({Seconds:F0} s so far)")]
    private partial void LogScanned(long events, double seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Archive verify: complete {Complete}, {Archived} events archived, {Store} in the event store, {Problems} problems, in {Seconds:F1} s")]
    private partial void LogVerified(bool complete, long archived, long store, int problems, double seconds);
}
