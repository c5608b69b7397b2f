using System.Collections.Concurrent;
using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.EventStore.Events;
using EventLedger.EventStore.Tables;

namespace EventLedger.Archive.Verification;

/// <summary>
/// Per invoice, the highest version and the number of events in the event store: a parallel scan that reads the keys only.
/// Versions run 1, 2, 3 … with no gaps (the append guarantees it), so these two numbers say which events there are.
/// <c>scanned</c> hears the item count of every page (progress).
/// </summary>
internal static class EventStoreIndex
{
    public static async Task<IReadOnlyDictionary<string, (long MaxVersion, long Count)>> ReadAsync(
        IAmazonDynamoDB dynamoDb, EventStoreTables tables, int segments, CancellationToken ct, Action<int>? scanned = null)
    {
        var streams = new ConcurrentDictionary<string, (long, long)>(StringComparer.Ordinal);
        await Task.WhenAll(Enumerable.Range(0, segments).Select(async segment =>
        {
            var local = new Dictionary<string, (long Max, long Count)>(StringComparer.Ordinal);
            Dictionary<string, AttributeValue>? start = null;
            do
            {
                var page = await dynamoDb.ScanAsync(new ScanRequest
                {
                    TableName = tables.Events,
                    Segment = segment,
                    TotalSegments = segments,
                    ProjectionExpression = "#s, #v",
                    ExpressionAttributeNames = new Dictionary<string, string> { ["#s"] = EventItem.StreamId, ["#v"] = EventItem.Version },
                    ExclusiveStartKey = start,
                    ConsistentRead = true,
                }, ct);
                scanned?.Invoke(page.Items?.Count ?? 0);
                foreach (var item in page.Items ?? [])
                {
                    var version = long.Parse(item[EventItem.Version].N, CultureInfo.InvariantCulture);
                    var id = item[EventItem.StreamId].S;
                    local[id] = local.TryGetValue(id, out var seen) ? (Math.Max(seen.Max, version), seen.Count + 1) : (version, 1);
                }

                start = page.LastEvaluatedKey is { Count: > 0 } last ? last : null;
            }
            while (start is not null);

            // A scan segment holds whole partitions, so no stream is split between segments.
            foreach (var (id, value) in local)
            {
                streams[id] = value;
            }
        }));
        return streams;
    }
}
