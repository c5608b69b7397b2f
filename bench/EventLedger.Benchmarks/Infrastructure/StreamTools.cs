using System.Diagnostics;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.Streams.Client;
using EventLedger.Streams.Client.Model;
using StreamRecordItem = EventLedger.Streams.Client.Model.Record;

namespace EventLedger.Benchmarks.Infrastructure;

/// <summary>Raw stream and table helpers the scenarios share: a GetRecords loop over the (single) shard, full scans, progress.</summary>
public static class StreamTools
{
    /// <summary>Reads the stream's shard(s) from TRIM_HORIZON until <paramref name="expected"/> records were seen, handing each page to <paramref name="onPage"/>.</summary>
    public static async Task<long> ReadAllAsync(IDynamoDbStreams streams, string streamArn, long expected, Func<List<StreamRecordItem>, Task>? onPage, string label, CancellationToken ct)
    {
        var description = await streams.DescribeStreamAsync(new DescribeStreamRequest { StreamArn = streamArn }, ct);
        long seen = 0;
        var clock = Stopwatch.StartNew();
        using var progress = Progress.Every(() => $"{label}: {Interlocked.Read(ref seen):N0}/{expected:N0} ({Interlocked.Read(ref seen) / clock.Elapsed.TotalSeconds:N0}/s)");
        foreach (var shard in description.StreamDescription.Shards)
        {
            var iterator = (await streams.GetShardIteratorAsync(new GetShardIteratorRequest
            {
                StreamArn = streamArn,
                ShardId = shard.ShardId,
                ShardIteratorType = ShardIteratorType.TRIM_HORIZON,
            }, ct)).ShardIterator;
            var emptyInARow = 0;
            while (iterator is not null && seen < expected)
            {
                var page = await streams.GetRecordsAsync(new GetRecordsRequest { ShardIterator = iterator, Limit = 1000 }, ct);
                iterator = page.NextShardIterator;
                if (page.Records.Count == 0)
                {
                    if (++emptyInARow > 200)
                    {
                        break; // this shard has nothing more (DynamoDB Local never closes a shard)
                    }

                    await Task.Delay(5, ct);
                    continue;
                }

                emptyInARow = 0;
                if (onPage is not null)
                {
                    await onPage(page.Records);
                }

                Interlocked.Add(ref seen, page.Records.Count);
            }
        }

        return seen;
    }

    public static async Task<List<Dictionary<string, AttributeValue>>> ScanAsync(IAmazonDynamoDB db, string table, CancellationToken ct)
    {
        const int segments = 4;
        var parts = await Task.WhenAll(Enumerable.Range(0, segments).Select(async segment =>
        {
            var items = new List<Dictionary<string, AttributeValue>>();
            Dictionary<string, AttributeValue>? start = null;
            do
            {
                var page = await db.ScanAsync(new ScanRequest
                {
                    TableName = table,
                    Segment = segment,
                    TotalSegments = segments,
                    ExclusiveStartKey = start,
                    ConsistentRead = true,
                }, ct);
                items.AddRange(page.Items);
                start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
            }
            while (start is not null);
            return items;
        }));
        return [.. parts.SelectMany(p => p)];
    }
}

/// <summary>A progress line every second on a terminal, every 5 s into a log.</summary>
public static class Progress
{
    public static IDisposable Every(Func<string> line)
    {
        var redirected = Console.IsOutputRedirected;
        var period = redirected ? 5000 : 1000;
        return new Timer(_ => Console.Write($"{(redirected ? "" : "\r")}  {line()}{(redirected ? "\n" : "     ")}"), null, period, period);
    }

    public static void Done()
    {
        if (!Console.IsOutputRedirected)
        {
            Console.Write("\r" + new string(' ', 100) + "\r");
        }
    }
}
