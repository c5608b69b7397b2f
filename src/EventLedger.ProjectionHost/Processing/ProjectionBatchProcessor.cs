using EventLedger.EventStore.Events;
using EventLedger.Projections.Contracts;
using EventLedger.Streams.Reader;

namespace EventLedger.ProjectionHost.Processing;

/// <summary>
/// Feeds one read model from the stream: decodes each record's NEW_IMAGE into a <see cref="StoredEvent"/> and applies the
/// batch. A record that cannot be decoded (an unknown event type or schema version) fails the batch, so it is retried,
/// bisected and finally parked in the dead-letter store while later records keep flowing. Once a batch is applied,
/// <paramref name="applied"/> (if any) hears of it (the in-process read-your-writes signal).
/// </summary>
public sealed class ProjectionBatchProcessor(
    IProjection projection, Action<IReadOnlyList<StoredEvent>>? applied = null, ProjectionMetrics? metrics = null) : IStreamBatchProcessor
{
    public IProjection Projection => projection;

    public async Task ProcessAsync(StreamBatch batch, CancellationToken cancellationToken)
    {
        var events = new List<StoredEvent>(batch.Records.Count);
        foreach (var record in batch.Records)
        {
            var image = record.Dynamodb.NewImage;
            if (image is null || !EventItem.IsEvent(image))
            {
                // Only INSERTs of events are expected on the event store's stream; anything else has nothing to project.
                continue;
            }

            events.Add(EventItem.FromItem(image));
        }

        var position = batch.CheckpointSequenceNumber is { } checkpoint
            ? new StreamPosition(batch.Subscription, batch.ShardId, checkpoint)
            : null;
        if (events.Count == 0 && position is null)
        {
            return;
        }

        await projection.ApplyAsync(new ProjectionBatch(events, position), cancellationToken);
        if (events.Count > 0)
        {
            metrics?.Applied(projection.Name, events.Count, events[^1].RecordedAt);
            applied?.Invoke(events);
        }
    }
}
