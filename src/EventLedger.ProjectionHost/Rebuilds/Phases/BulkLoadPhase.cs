using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.EventStore;
using EventLedger.EventStore.Events;
using EventLedger.EventStore.Tables;
using EventLedger.Projections.Contracts;
using Microsoft.Extensions.Logging;

namespace EventLedger.ProjectionHost.Rebuilds.Phases;

/// <summary>
/// Phase 2: loads the new version from a parallel scan of the event store. Each segment applies its pages in order
/// (reading the next page ahead) through <see cref="SegmentOrderGuard"/>, as one <c>ApplyAsync</c> batch or through
/// <see cref="IBulkLoadProjection"/>, and records its last evaluated key after every page, so a stopped load resumes there.
/// A rebuild from a <see cref="IReplaySource"/> reads the source's segments instead (pages already in per-invoice order,
/// each with its own resume token). Done, it records the catch-up phase.
/// </summary>
internal sealed partial class BulkLoadPhase(
    IAmazonDynamoDB dynamoDb,
    EventStoreTables eventTables,
    InvoiceEventStore eventStore,
    ReadModelVersionRegistry registry,
    RebuildOptions options,
    TimeProvider clock,
    ILogger logger)
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(5);

    public async Task RunAsync(RebuildTarget target, ReadModelVersionRecord record, IProjection projection, CancellationToken ct)
    {
        var segments = record.Segments > 0 ? record.Segments : options.RebuildSegments;
        var total = await EstimateTotalAsync(target, ct);
        await registry.RecordTotalAsync(target.Name, target.Version, total, ct);
        var progress = new Progress(record.EventsDone, clock);
        var guards = Enumerable.Range(0, segments).Select(_ => new SegmentOrderGuard(eventStore)).ToArray();
        var heap = new BulkLoadHeapLimit(options.RebuildHeapGrowthLimit);
        using var loading = CancellationTokenSource.CreateLinkedTokenSource(ct);
        using var reporting = new CancellationTokenSource();
        var reporter = ReportProgressAsync(target, progress, total, reporting.Token);
        try
        {
            await Task.WhenAll(Enumerable.Range(0, segments).Select(segment =>
                LoadSegmentAsync(target, record, projection, segment, segments, guards[segment], progress, heap, loading)));
        }
        finally
        {
            await reporting.CancelAsync();
            await reporter;
        }

        var done = progress.Done;
        await registry.RecordTotalAsync(target.Name, target.Version, total is { } estimate ? Math.Max(estimate, done) : done, ct);
        LogBulkLoaded(logger, target.Name, target.Version, progress.DoneHere, progress.Elapsed.TotalSeconds, guards.Sum(g => g.Repairs), heap.Collections);
        await registry.EnterPhaseAsync(target.Name, target.Version, RebuildPhase.CatchUp, ct);
    }

    private async Task LoadSegmentAsync(RebuildTarget target, ReadModelVersionRecord record, IProjection projection, int segment, int segments,
        SegmentOrderGuard guard, Progress progress, BulkLoadHeapLimit heap, CancellationTokenSource loading)
    {
        var ct = loading.Token;
        try
        {
            Dictionary<string, AttributeValue>? start = null;
            if (record.Resume.TryGetValue(segment, out var saved))
            {
                if (saved is null) return; // finished by an earlier run
                start = saved;
            }

            if (target.Source is { } source)
            {
                await foreach (var replayed in source.ReadAsync(segment, segments, start, ct))
                {
                    await ApplyAsync(projection, replayed.Events, ct);
                    await registry.RecordProgressAsync(target.Name, target.Version, segment, replayed.Resume, replayed.Read, ct);
                    progress.Add(replayed.Read);
                    heap.AfterPage();
                }

                return;
            }

            var next = ScanAsync(segment, segments, start, ct);
            while (true)
            {
                var (events, lastKey) = await next;
                if (lastKey is not null)
                {
                    next = ScanAsync(segment, segments, lastKey, ct); // read ahead while this page is applied
                }

                await ApplyAsync(projection, await guard.InOrderAsync(events, ct), ct);

                await registry.RecordProgressAsync(target.Name, target.Version, segment, lastKey, events.Count, ct);
                progress.Add(events.Count);
                heap.AfterPage();
                if (lastKey is null) return;
            }
        }
        catch (Exception ex) when (!loading.IsCancellationRequested)
        {
            // One failed segment fails the load: stop the others rather than let them scan on for nothing (each keeps its resume state).
            await loading.CancelAsync();
            throw new InvalidOperationException($"Bulk load of '{target.Name}' v{target.Version}, scan segment {segment} of {segments}, failed: {ex.Message}", ex);
        }
    }

    private static async Task ApplyAsync(IProjection projection, IReadOnlyList<StoredEvent> ordered, CancellationToken ct)
    {
        if (ordered.Count > 0 && projection is IBulkLoadProjection bulk)
        {
            await bulk.BulkLoadAsync(ordered, ct);
        }
        else if (ordered.Count > 0)
        {
            await projection.ApplyAsync(new ProjectionBatch(ordered, null), ct);
        }
    }

    /// <summary>
    /// One page of a segment, decoded as soon as it arrives: the page read ahead waits as events, not as the SDK's attribute
    /// dictionaries (several times their size), which then die young instead of being promoted while the page waits.
    /// </summary>
    private async Task<(List<StoredEvent> Events, Dictionary<string, AttributeValue>? LastKey)> ScanAsync(
        int segment, int segments, Dictionary<string, AttributeValue>? start, CancellationToken ct)
    {
        var page = await dynamoDb.ScanAsync(new ScanRequest
        {
            TableName = eventTables.Events,
            Segment = segment,
            TotalSegments = segments,
            Limit = options.RebuildPageSize,
            ExclusiveStartKey = start,
            ConsistentRead = true,
        }, ct);
        return ([.. (page.Items ?? []).Where(EventItem.IsEvent).Select(EventItem.FromItem)], page.LastEvaluatedKey is { Count: > 0 } key ? key : null);
    }

    /// <summary>The event store's item count, for progress only; null (unknown) when DynamoDB does not give it.</summary>
    private async Task<long?> EstimateTotalAsync(RebuildTarget target, CancellationToken ct)
    {
        try
        {
            return (await dynamoDb.DescribeTableAsync(eventTables.Events, ct)).Table.ItemCount;
        }
        catch (AmazonDynamoDBException ex)
        {
            // Only progress reporting needs the total; the load itself does not, so it goes on without one.
            LogTotalUnknown(logger, ex, target.Name, target.Version);
            return null;
        }
    }

    private async Task ReportProgressAsync(RebuildTarget target, Progress progress, long? total, CancellationToken ct)
    {
        while (true)
        {
            await Task.Delay(ProgressInterval, clock, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (ct.IsCancellationRequested) return;
            var done = progress.Done;
            var rate = progress.DoneHere / Math.Max(progress.Elapsed.TotalSeconds, 0.001);
            if (total is { } known)
            {
                LogProgress(logger, target.Name, target.Version, done, Math.Max(known, done), rate);
            }
            else
            {
                LogProgressOfUnknownTotal(logger, target.Name, target.Version, done, rate);
            }
        }
    }

    /// <summary>Events applied, shared by the segments: all of them, and those of this run.</summary>
    private sealed class Progress(long doneBefore, TimeProvider clock)
    {
        private readonly long _doneBefore = doneBefore;
        private readonly long _started = clock.GetTimestamp();
        private long _done = doneBefore;

        public long Done => Interlocked.Read(ref _done);

        public long DoneHere => Done - _doneBefore;

        public TimeSpan Elapsed => clock.GetElapsedTime(_started);

        public void Add(long events) => Interlocked.Add(ref _done, events);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuild of {ReadModel} v{Version}: {EventsDone}/{EventsTotal} events, {EventsPerSecond:F0} events/s")]
    private static partial void LogProgress(ILogger logger, string readModel, int version, long eventsDone, long eventsTotal, double eventsPerSecond);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuild of {ReadModel} v{Version}: {EventsDone} events of an unknown total, {EventsPerSecond:F0} events/s")]
    private static partial void LogProgressOfUnknownTotal(ILogger logger, string readModel, int version, long eventsDone, double eventsPerSecond);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rebuild of {ReadModel} v{Version}: the event store's item count could not be read; progress is shown without a total")]
    private static partial void LogTotalUnknown(ILogger logger, Exception ex, string readModel, int version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuild of {ReadModel} v{Version}: bulk load applied {Events} events in {Seconds:F1} s ({Repairs} invoices re-read for order, {HeapCollections} heap collections induced)")]
    private static partial void LogBulkLoaded(ILogger logger, string readModel, int version, long events, double seconds, long repairs, int heapCollections);
}
