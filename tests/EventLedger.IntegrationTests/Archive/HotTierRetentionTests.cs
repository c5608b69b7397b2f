using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Amazon.DynamoDBv2.Model;
using EventLedger.EventStore.Events;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.ProjectionHost.Processing;
using EventLedger.Projections;
using EventLedger.Projections.Common;
using EventLedger.Projections.Contracts;
using EventLedger.Projections.InvoiceHistory;
using EventLedger.Projections.Tests.Support;
using EventLedger.Streams.Client.Model;
using StreamRecordOf = EventLedger.Streams.Client.Model.Record;
using EventLedger.Streams.Reader;
using Microsoft.Extensions.DependencyInjection;
using static EventLedger.IntegrationTests.Archive.ArchiveTestSupport;
using static EventLedger.IntegrationTests.Rebuild.RebuildHarness;

namespace EventLedger.IntegrationTests.Archive;

/// <summary>
/// Hot-tier retention (<c>Retention__InvoiceHistory</c>): invoice-history rows carry a DynamoDB TTL and the table has TTL on,
/// while the events stay in the event store and the archive; and TTL deletions in a stream are not taken for user actions.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class HotTierRetentionTests(StackFixture stack)
{
    [Fact]
    public async Task Invoice_history_rows_expire_after_the_retention_while_the_events_stay_in_the_store_and_the_archive()
    {
        var directory = NewDirectory("retention");
        var retention = TimeSpan.FromDays(30);
        await using var app = await StartAsync(stack, "ar-ttl", LocalDirectory(directory), readModels: [ReadModelCatalog.Named(InvoiceHistoryProjection.ProjectionName)],
            configure: services => services.AddSingleton(new HotTierRetention { InvoiceHistory = retention }));

        // Old history (recorded in January, past the 30 days) and a command now.
        var log = new EventLog();
        log.On("OLD-1").Record("t1", 5, "USA").Record("t2", 6, "USA");
        await SeedAsync(stack.DynamoDb, app.Settings.TablePrefix, log.Events);
        var created = await app.Http.PostAsync("/invoices/NEW-1/transactions",
            new StringContent("""{"transactionId":"a","amount":12.5,"currency":"USD","country":"USA","invoiceDate":"2026-11-30"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var history = await app.Http.GetAsync("/invoices/NEW-1/history?minVersion=1&waitMs=20000");
        Assert.Equal(HttpStatusCode.OK, history.StatusCode);

        var table = new ReadModelTable(app.Settings.TablePrefix, InvoiceHistoryProjection.ProjectionName, 1).TableName;
        var ttl = await stack.DynamoDb.DescribeTimeToLiveAsync(new DescribeTimeToLiveRequest { TableName = table });
        Assert.Equal(Amazon.DynamoDBv2.TimeToLiveStatus.ENABLED, ttl.TimeToLiveDescription.TimeToLiveStatus);
        Assert.Equal(RowTimeToLive.DefaultAttribute, ttl.TimeToLiveDescription.AttributeName);

        // The new row expires 30 days after its event; the old rows were past it already and were not written.
        await WaitUntilArchivedAsync(app.Http, 3);
        var items = (await stack.DynamoDb.ScanAsync(new ScanRequest { TableName = table, ConsistentRead = true })).Items;
        var row = Assert.Single(items);
        Assert.Equal("NEW-1", row["invoiceNumber"].S);
        var recordedAt = DateTimeOffset.Parse(row["recordedAt"].S, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);
        Assert.Equal((recordedAt + retention).ToUnixTimeSeconds(), long.Parse(row[RowTimeToLive.DefaultAttribute].N, CultureInfo.InvariantCulture));

        // The events themselves never expire: all three are in the event store and in the archive.
        Assert.Equal(3, (await AllEventsAsync(stack.DynamoDb, app.Settings.TablePrefix)).Count);
        Assert.Equal(3, (await ObjectsAsync(directory)).Sum(o => o.Events.Count));
    }

    [Fact]
    public async Task Time_to_live_deletions_in_a_stream_are_not_projected_nor_taken_for_changes_by_hand()
    {
        var applied = new List<StoredEvent>();
        await using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var processor = new ProjectionBatchProcessor(new Recording(applied), metrics: new ProjectionMetrics(services.GetRequiredService<IMeterFactory>()));
        using var counts = new NotProjectedCounter("recording");
        var insert = Record(OperationType.INSERT, "1", EventItem.ToItem(new EventLog().Append("T-1", new EventLedger.Domain.Invoices.VerifierAssigned("USA", "alice"))));
        var expired = Record(OperationType.REMOVE, "2", null, new Identity { Type = "Service", PrincipalId = "dynamodb.amazonaws.com" });
        var byHand = Record(OperationType.REMOVE, "3", null, null);

        await processor.ProcessAsync(new StreamBatch("recording-v1", "shard-1", [insert, expired, byHand]) { CheckpointSequenceNumber = "3" }, default);

        Assert.Single(applied);
        Assert.Equal(1, counts.Of("ttl-deletion"));
        Assert.Equal(1, counts.Of("changed-by-hand"));
        Assert.True(ProjectionBatchProcessor.IsTimeToLiveDeletion(expired));
        Assert.False(ProjectionBatchProcessor.IsTimeToLiveDeletion(byHand));
    }

    private static StreamRecordOf Record(OperationType operation, string sequenceNumber, Dictionary<string, Amazon.DynamoDBv2.Model.AttributeValue>? image, Identity? identity = null) => new()
    {
        EventName = operation,
        UserIdentity = identity,
        Dynamodb = new StreamRecord { SequenceNumber = sequenceNumber, NewImage = image, Keys = new() { ["StreamId"] = new() { S = "T-1" } } },
    };

    private sealed class Recording(List<StoredEvent> applied) : IProjection
    {
        public string Name => "recording";
        public int SchemaVersion => 1;

        public ValueTask ApplyAsync(ProjectionBatch batch, CancellationToken cancellationToken)
        {
            applied.AddRange(batch.Events);
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>Counts <c>eventledger.projections.records_not_projected</c> of one read model by reason while alive.</summary>
    private sealed class NotProjectedCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<string, long> _byReason = [];

        public NotProjectedCounter(string readModel)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == ProjectionMetrics.MeterName && instrument.Name == "eventledger.projections.records_not_projected")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                string? model = null, reason = null;
                foreach (var tag in tags)
                {
                    if (tag.Key == "read_model") model = tag.Value as string;
                    if (tag.Key == "reason") reason = tag.Value as string;
                }

                if (model == readModel && reason is not null)
                {
                    lock (_byReason) _byReason[reason] = _byReason.GetValueOrDefault(reason) + value;
                }
            });
            _listener.Start();
        }

        public long Of(string reason)
        {
            lock (_byReason) return _byReason.GetValueOrDefault(reason);
        }

        public void Dispose() => _listener.Dispose();
    }
}
