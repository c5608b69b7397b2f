using EventLedger.EventStore.Events;
using EventLedger.ProjectionHost.Processing;
using EventLedger.Projections.Contracts;
using EventLedger.Projections.DynamoDb.Group;
using EventLedger.Streams.Client.Model;
using EventLedger.Streams.DeadLetters;
using EventLedger.Streams.Metrics;
using EventLedger.Streams.Reader;
using Microsoft.Extensions.Logging;

namespace EventLedger.ProjectionHost.Hosting.Group;

/// <summary>
/// Applies a shard batch to every member of the live group at once (<see cref="DynamoDbReadModelGroup"/>). Bad records do
/// not fail the batch: a record that cannot be decoded is parked for every member, and an event a member's handler cannot
/// apply is parked for that member alone (its own dead-letter store, under its own subscription name) while the others
/// apply it. Only store failures throw, so the subscription pauses (transient) or retries the batch.
/// </summary>
internal sealed partial class GroupBatchProcessor(
    DynamoDbReadModelGroup group,
    Func<IReadOnlyList<GroupMemberFeed>> members,
    IDeadLetterStore deadLetters,
    AppliedVersionSignal? appliedSignal,
    ProjectionMetrics? metrics,
    StreamsMetrics streamsMetrics,
    TimeProvider time,
    ILogger logger) : IStreamBatchProcessor
{
    public async Task ProcessAsync(StreamBatch batch, CancellationToken cancellationToken)
    {
        var feeds = members();
        if (feeds.Count == 0)
        {
            return;
        }

        var events = new List<StoredEvent>(batch.Records.Count);
        var records = new Dictionary<(string, long), Record>();
        foreach (var record in batch.Records)
        {
            var image = record.Dynamodb.NewImage;
            if (image is null || !EventItem.IsEvent(image))
            {
                continue;
            }

            StoredEvent e;
            try
            {
                e = EventItem.FromItem(image);
            }
            catch (Exception ex)
            {
                // Nobody can read it (an unknown event type or schema version): park it for every member and go on.
                foreach (var feed in feeds)
                {
                    await ParkAsync(feed, batch.ShardId, [record], ex, cancellationToken);
                }

                continue;
            }

            events.Add(e);
            records[(e.StreamId, e.Version)] = record;
        }

        if (events.Count == 0)
        {
            return;
        }

        var plans = await group.ApplyAsync([.. feeds.Select(f => f.Member)], events, cancellationToken);
        for (var i = 0; i < feeds.Count; i++)
        {
            var feed = feeds[i];
            var failed = plans[i].Failed;
            if (failed.Count > 0)
            {
                LogMemberFailed(logger, failed[0].Error, feed.Subscription, failed.Count, batch.ShardId);
                foreach (var (e, error) in failed)
                {
                    await ParkAsync(feed, batch.ShardId, [records[(e.StreamId, e.Version)]], error, cancellationToken);
                }
            }

            metrics?.Applied(feed.Name, events.Count, events[^1].RecordedAt);
            appliedSignal?.Publish(feed.Name, feed.Version, events);
        }
    }

    private async Task ParkAsync(GroupMemberFeed feed, string shardId, IReadOnlyList<Record> parked, Exception error, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var letters = parked.Select(r => new DeadLetter
        {
            Id = new DeadLetterId(feed.Subscription, shardId, r.Dynamodb.SequenceNumber),
            Record = r,
            Reason = DeadLetterReason.Failed,
            ErrorType = error.GetType().FullName,
            ErrorMessage = error.Message,
            Attempts = 1,
            FirstFailureAt = now,
            LastFailureAt = now,
        }).ToList();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                // A record is never skipped unparked: the write is retried until it lands (or the worker stops).
                await deadLetters.ParkAsync(letters, cancellationToken);
                break;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogParkFailed(logger, ex, parked.Count, feed.Subscription);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 100 * Math.Pow(2, Math.Min(attempt, 6)))), time, cancellationToken);
            }
        }

        streamsMetrics.DeadLetters.Add(parked.Count,
            new KeyValuePair<string, object?>("subscription", feed.Subscription),
            new KeyValuePair<string, object?>("shard", shardId),
            new KeyValuePair<string, object?>("reason", DeadLetterReason.Failed));
        feed.DeadLetters = await deadLetters.CountAsync(feed.Subscription, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Read model {Subscription} could not apply {Count} events of shard {ShardId}; parking them for this read model while the others apply them")]
    private static partial void LogMemberFailed(ILogger logger, Exception ex, string subscription, int count, string shardId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not park {Count} records for {Subscription}; retrying")]
    private static partial void LogParkFailed(ILogger logger, Exception ex, int count, string subscription);
}
