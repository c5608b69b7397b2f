using Amazon.DynamoDBv2.Model;
using EventLedger.EventStore.Events;
using EventLedger.EventStore.Tables;
using EventLedger.IntegrationTests.Fixtures;
using static EventLedger.IntegrationTests.Rebuild.RebuildHarness;

namespace EventLedger.IntegrationTests.Rebuild;

/// <summary>
/// What the rebuild's bulk load relies on for speed (and repairs when it does not hold): on DynamoDB Local a parallel
/// scan segment returns each invoice's events contiguously and in version order, across page boundaries.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ScanOrderTests(StackFixture fixture)
{
    [Fact]
    public async Task Each_segment_returns_every_invoice_contiguously_in_version_order()
    {
        var prefix = StackFixture.NewPrefix("rb-order");
        var tables = new EventStoreTables(prefix);
        await EventStoreSchema.EnsureCreatedAsync(fixture.DynamoDb, tables, CancellationToken.None);
        var log = SkewedLog(hotInvoices: 2, hotTransactions: 400, coldInvoices: 600);
        await SeedAsync(fixture.DynamoDb, prefix, log.Events);

        const int segments = 4;
        var seen = 0;
        var invoices = new HashSet<string>(StringComparer.Ordinal);
        for (var segment = 0; segment < segments; segment++)
        {
            string? current = null;
            long last = 0;
            Dictionary<string, AttributeValue>? start = null;
            do
            {
                var page = await fixture.DynamoDb.ScanAsync(new ScanRequest
                {
                    TableName = tables.Events, Segment = segment, TotalSegments = segments, Limit = 97, ExclusiveStartKey = start, ConsistentRead = true,
                });
                foreach (var e in (page.Items ?? []).Select(EventItem.FromItem))
                {
                    seen++;
                    if (e.StreamId != current)
                    {
                        Assert.True(invoices.Add(e.StreamId), $"invoice {e.StreamId} came back non-contiguously (segment {segment})");
                        Assert.Equal(1, e.Version);
                        current = e.StreamId;
                    }
                    else
                    {
                        Assert.Equal(last + 1, e.Version);
                    }

                    last = e.Version;
                }

                start = page.LastEvaluatedKey is { Count: > 0 } k ? k : null;
            }
            while (start is not null);
        }

        Assert.Equal(log.Events.Count, seen);
        Assert.Equal(log.Invoices.Count(), invoices.Count);
        await fixture.DynamoDb.DeleteTableAsync(tables.Events);
    }
}
