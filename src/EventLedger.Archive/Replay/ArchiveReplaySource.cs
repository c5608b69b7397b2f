using System.Numerics;
using System.Runtime.CompilerServices;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.Archive.Format;
using EventLedger.Archive.Reading;
using EventLedger.Archive.Writing;
using EventLedger.EventStore;
using EventLedger.EventStore.Events;
using EventLedger.EventStore.Tables;
using EventLedger.ProjectionHost.Rebuilds;
using EventLedger.Streams.Checkpoints;
using EventLedger.Streams.Client;
using EventLedger.Streams.Client.Model;

namespace EventLedger.Archive.Replay;

/// <summary>
/// The archive as a rebuild's source (<c>projections rebuild NAME --source archive</c>): replays every committed object, then
/// the rebuild catches up from the stream after the archive's positions, i.e. the event store's changes after what the
/// archive holds. Objects are replayed in stream order (by the sequence number they continue after; a child shard's numbers
/// follow its parent's), so each invoice's events come in version order; each segment keeps the invoices that hash to it.
/// An invoice whose next version is not the one that follows (an event parked instead of archived) is read from the event
/// store from there, so the projection never sees a gap. The resume token names the last object applied.
/// </summary>
internal sealed class ArchiveReplaySource(
    ArchiveManifest manifest,
    ArchiveObjectCache cache,
    ArchiveCommitLog log,
    string subscription,
    InvoiceEventStore eventStore,
    IAmazonDynamoDB dynamoDb,
    EventStoreTables tables,
    IDynamoDbStreams streams) : IReplaySource
{
    public const string ResumeAttribute = "archiveObject";
    private const int PageSize = 2000;

    public string Name => "archive";

    public bool Owns(Dictionary<string, AttributeValue> resume) => resume.ContainsKey(ResumeAttribute);

    public async Task<IReadOnlyList<ReplayPosition>> PositionsAsync(CancellationToken cancellationToken)
    {
        var shards = (await log.ListAsync(subscription, cancellationToken)).Where(s => s.Checkpoint is not null).ToList();
        if (shards.Count == 0)
        {
            throw new ReplaySourceUnavailableException("The archive has stored nothing yet; rebuild from the event store (leave out --source).");
        }

        // The stream must still hold what follows the archive's positions, or the catch-up would miss it.
        var streamArn = await EventStoreSchema.GetStreamArnAsync(dynamoDb, tables, cancellationToken);
        foreach (var shard in shards.Where(s => !Checkpoint.IsShardEnd(s.Checkpoint)))
        {
            try
            {
                await streams.GetShardIteratorAsync(new GetShardIteratorRequest
                {
                    StreamArn = streamArn,
                    ShardId = shard.ShardId,
                    ShardIteratorType = ShardIteratorType.AFTER_SEQUENCE_NUMBER,
                    SequenceNumber = shard.Checkpoint,
                }, cancellationToken);
            }
            catch (Exception ex) when (ex is TrimmedDataAccessException or EventLedger.Streams.Client.ResourceNotFoundException)
            {
                throw new ReplaySourceUnavailableException(
                    $"The stream no longer holds what follows the archive's position {shard.Checkpoint} in shard {shard.ShardId} " +
                    $"(the archive is behind by more than the stream keeps): rebuild from the event store (leave out --source).");
            }
        }

        return [.. shards.Select(s => new ReplayPosition(s.ShardId, s.ParentShardId, s.Checkpoint!))];
    }

    public async IAsyncEnumerable<ReplayPage> ReadAsync(int segment, int segments, Dictionary<string, AttributeValue>? resume,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var after = resume is not null && resume.TryGetValue(ResumeAttribute, out var saved) ? saved.S : null;
        var objects = (await cache.SyncAsync(cancellationToken)).ToDictionary(o => o.Key, StringComparer.Ordinal);
        var entries = await CommittedEntriesAsync(cancellationToken);
        var start = after is null ? 0 : entries.FindIndex(e => e.Key == after) + 1;
        if (after is not null && start == 0)
        {
            throw new InvalidOperationException($"The archive object {after} this rebuild resumes after is no longer in the archive's manifest.");
        }

        var lastVersions = new Dictionary<string, long>(StringComparer.Ordinal);
        var previous = after;
        for (var i = start; i < entries.Count; i++)
        {
            var entry = entries[i];
            if (!objects.TryGetValue(entry.Key, out var local))
            {
                throw new InvalidOperationException($"The archive object {entry.Key} is in the manifest but missing; run 'archive verify', or rebuild from the event store.");
            }

            List<StoredEvent> events;
            await using (var file = File.OpenRead(local.Path))
            {
                events = await ArchiveParquet.ReadEventsAsync(file, cancellationToken, id => SegmentOf(id, segments) == segment);
            }

            // Pages of one object resume at the object before it (applying an event again changes nothing); the last one after it.
            for (var offset = 0; offset < events.Count || offset == 0; offset += PageSize)
            {
                var chunk = events.Skip(offset).Take(PageSize).ToList();
                var last = offset + PageSize >= events.Count;
                var ordered = await InOrderAsync(chunk, lastVersions, cancellationToken);
                yield return new ReplayPage(ordered, Token(last ? entry.Key : previous), chunk.Count);
                if (last)
                {
                    break;
                }
            }

            previous = entry.Key;
        }

        yield return new ReplayPage([], null, 0);
    }

    /// <summary>Committed objects in replay order: shard objects by the position they continue after, then retries.</summary>
    private async Task<List<ManifestEntry>> CommittedEntriesAsync(CancellationToken ct)
    {
        var positions = (await log.ListAsync(subscription, ct)).ToDictionary(s => s.ShardId, s => s.Checkpoint, StringComparer.Ordinal);
        var entries = new List<ManifestEntry>();
        await foreach (var entry in manifest.ListAsync(ct))
        {
            if (entry.From is null || entry.To is null ||
                (positions.GetValueOrDefault(entry.Shard) is { } position &&
                 (Checkpoint.IsShardEnd(position) || ArchiveLayout.Compare(entry.To, position) <= 0)))
            {
                entries.Add(entry);
            }
        }

        return [.. entries
            .OrderBy(e => e.From is null ? 1 : 0)
            .ThenBy(e => e.From is null ? BigInteger.Zero : BigInteger.Parse(e.From, System.Globalization.CultureInfo.InvariantCulture))
            .ThenBy(e => e.Key, StringComparer.Ordinal)];
    }

    /// <summary>The events in per-invoice version order with no gap: a gap is filled from the event store.</summary>
    private async Task<List<StoredEvent>> InOrderAsync(List<StoredEvent> events, Dictionary<string, long> lastVersions, CancellationToken ct)
    {
        var result = new List<StoredEvent>(events.Count);
        foreach (var e in events)
        {
            var known = lastVersions.TryGetValue(e.StreamId, out var last);
            if (known && e.Version <= last)
            {
                continue;
            }

            if (e.Version == (known ? last + 1 : 1))
            {
                result.Add(e);
                lastVersions[e.StreamId] = e.Version;
                continue;
            }

            await foreach (var stored in eventStore.ReadStreamAsync(e.StreamId, known ? last + 1 : 1, ct))
            {
                result.Add(stored);
                lastVersions[e.StreamId] = stored.Version;
            }
        }

        return result;
    }

    private static Dictionary<string, AttributeValue>? Token(string? key) =>
        key is null ? new Dictionary<string, AttributeValue> { [ResumeAttribute] = new() { NULL = true } } : new() { [ResumeAttribute] = new() { S = key } };

    /// <summary>A stable segment for an invoice (FNV-1a: the same in every process, unlike string hash codes).</summary>
    internal static int SegmentOf(string streamId, int segments)
    {
        var hash = 2166136261u;
        foreach (var c in streamId)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash % (uint)segments);
    }
}
