using EventLedger.EventStore.Events;
using EventLedger.Streams.Checkpoints;
using EventLedger.Streams.Client;
using EventLedger.Streams.Client.Model;

namespace EventLedger.Archive.Verification;

/// <summary>
/// The events the stream holds after the archive's positions: what the archive has been given (or will be) but not stored
/// yet. Verification counts them as pending, not missing. A shard the archive has no position for is read from its start.
/// </summary>
internal sealed class StreamTail(IDynamoDbStreams streams)
{
    private const int EmptyPagesAtTip = 3;

    public async Task<(HashSet<(string StreamId, long Version)> Events, List<string> Notes)> ReadAsync(
        string streamArn, IReadOnlyDictionary<string, string?> positions, CancellationToken ct)
    {
        var events = new HashSet<(string, long)>();
        var notes = new List<string>();
        foreach (var shard in await ShardsAsync(streamArn, ct))
        {
            positions.TryGetValue(shard.ShardId, out var position);
            if (Checkpoint.IsShardEnd(position))
            {
                continue;
            }

            string? iterator;
            try
            {
                iterator = (await streams.GetShardIteratorAsync(new GetShardIteratorRequest
                {
                    StreamArn = streamArn,
                    ShardId = shard.ShardId,
                    ShardIteratorType = position is null ? ShardIteratorType.TRIM_HORIZON : ShardIteratorType.AFTER_SEQUENCE_NUMBER,
                    SequenceNumber = position,
                }, ct)).ShardIterator;
            }
            catch (TrimmedDataAccessException)
            {
                // Records after the position are gone from the stream: those events can no longer reach the archive.
                notes.Add($"the stream no longer holds shard {shard.ShardId} after the archive's position {position}; events after it that are not archived are lost to the archive");
                iterator = (await streams.GetShardIteratorAsync(new GetShardIteratorRequest
                {
                    StreamArn = streamArn,
                    ShardId = shard.ShardId,
                    ShardIteratorType = ShardIteratorType.TRIM_HORIZON,
                }, ct)).ShardIterator;
            }

            var empty = 0;
            while (iterator is not null && empty < EmptyPagesAtTip)
            {
                var page = await streams.GetRecordsAsync(new GetRecordsRequest { ShardIterator = iterator, Limit = 1000 }, ct);
                empty = page.Records.Count == 0 ? empty + 1 : 0;
                foreach (var record in page.Records)
                {
                    if (record.Dynamodb.NewImage is { } image && EventItem.IsEvent(image))
                    {
                        events.Add((image[EventItem.StreamId].S, long.Parse(image[EventItem.Version].N, System.Globalization.CultureInfo.InvariantCulture)));
                    }
                }

                iterator = page.NextShardIterator;
            }
        }

        return (events, notes);
    }

    private async Task<List<Shard>> ShardsAsync(string streamArn, CancellationToken ct)
    {
        var shards = new List<Shard>();
        string? start = null;
        do
        {
            var description = (await streams.DescribeStreamAsync(new DescribeStreamRequest { StreamArn = streamArn, ExclusiveStartShardId = start }, ct)).StreamDescription;
            shards.AddRange(description.Shards);
            start = description.LastEvaluatedShardId;
        }
        while (start is not null);

        return shards;
    }
}
