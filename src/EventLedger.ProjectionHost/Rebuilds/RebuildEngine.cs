using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.EventStore;
using EventLedger.EventStore.Events;
using EventLedger.EventStore.Tables;
using EventLedger.ProjectionHost.Hosting;
using EventLedger.Projections.Contracts;
using EventLedger.Streams.Checkpoints;
using EventLedger.Streams.Leases;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EventLedger.ProjectionHost.Rebuilds;

/// <summary>Why a rebuild could not start.</summary>
public sealed class RebuildConflictException(string message) : Exception(message);

/// <summary>
/// Rebuilds a read model side by side (ADR 0005): version N+1 is created beside the live N; the live version's stream
/// checkpoints are copied to N+1's subscription before the scan starts; N+1 is bulk-loaded from a parallel scan of the
/// event store (resume state per segment in the registry); then N+1's subscription catches up from the stream; when
/// its checkpoints reach the live ones, the registry's live pointer moves to N+1 in one conditional write; after a
/// grace period N is stopped and dropped.
/// </summary>
public sealed partial class RebuildEngine(
    IAmazonDynamoDB dynamoDb,
    EventStoreTables eventTables,
    InvoiceEventStore eventStore,
    ProjectionHostService host,
    ReadModelVersionRegistry registry,
    IReadModelCatalog catalog,
    ProjectionHostOptions hostOptions,
    RebuildOptions options,
    ILogger<RebuildEngine> logger,
    IEnumerable<IReplaySource>? replaySources = null) : IHostedService
{
    private readonly ConcurrentDictionary<string, Running> _running = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<Task> _background = [];
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly string _owner = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";

    public IReadOnlyCollection<string> RunningHere => [.. _running.Keys];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await registry.EnsureTableAsync(cancellationToken);
        foreach (var readModel in host.ReadModels)
        {
            await registry.BootstrapAsync(readModel.Name, readModel.SchemaVersion, cancellationToken);
        }

        _background.Add(Task.Run(() => ResumeOrAutoRebuildAsync(_stopping.Token), CancellationToken.None));
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        foreach (var running in _running.Values)
        {
            await running.Cts.CancelAsync();
        }

        try
        {
            await Task.WhenAll(_running.Values.Select(r => r.Task).Concat(_background)).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
        }
    }

    /// <summary>
    /// Starts (or resumes) a rebuild of <paramref name="name"/>. <paramref name="restart"/> drops a half-built version and starts
    /// over. <paramref name="source"/> names an <see cref="IReplaySource"/> to bulk-load from instead of the event store (a new
    /// rebuild only; a resumed one reads on from where it was).
    /// </summary>
    /// <exception cref="KeyNotFoundException">No such read model on this host.</exception>
    /// <exception cref="RebuildConflictException">A rebuild of it runs already.</exception>
    /// <exception cref="ArgumentException">No replay source has that name.</exception>
    public async Task<ReadModelVersionRecord> StartRebuildAsync(string name, bool restart, CancellationToken ct, string? source = null)
    {
        var replaySource = ReplaySourceNamed(source);
        var readModel = host.ReadModels.FirstOrDefault(r => r.Name == name)
            ?? throw new KeyNotFoundException($"No read model is named '{name}'. Known: {string.Join(", ", host.ReadModels.Select(r => r.Name))}.");
        await _gate.WaitAsync(ct);
        try
        {
            if (_running.ContainsKey(name))
            {
                throw new RebuildConflictException($"A rebuild of '{name}' is already running on this host.");
            }

            var pointer = await registry.GetPointerAsync(name, ct);
            var versions = await registry.ListVersionsAsync(name, ct);
            var building = versions
                .Where(v => v.Version > pointer.LiveVersion && v.Role == VersionRoles.Building && v.State != RebuildStates.Completed)
                .MaxBy(v => v.Version);
            var target = building?.Version ?? Math.Max(pointer.LiveVersion, versions.Count == 0 ? 0 : versions.Max(v => v.Version)) + 1;
            if (replaySource is not null)
            {
                if (building is not null && !restart)
                {
                    throw new RebuildConflictException(
                        $"Version {building.Version} of '{name}' is half built; it resumes from where it was. Add --restart to start over from '{replaySource.Name}'.");
                }

                await replaySource.PositionsAsync(ct); // refuses now, with its reason, before anything is claimed or written
            }

            if (!await registry.TryAcquireAsync(name, target, _owner, options.RebuildStaleAfter, ct))
            {
                var holder = await registry.GetPointerAsync(name, ct);
                throw new RebuildConflictException(
                    $"A rebuild of '{name}' (version {holder.RebuildingVersion}) is running on {holder.Owner} (heartbeat {holder.HeartbeatAt:O}).");
            }

            if (building is not null && restart)
            {
                await DropVersionAsync(readModel, building.Version, ct);
                building = null;
            }

            if (building is null)
            {
                building = new ReadModelVersionRecord(name, target, RebuildStates.Running, VersionRoles.Building, RebuildPhases.BulkLoad,
                    readModel.SchemaVersion, 0, 0, DateTimeOffset.UtcNow, null, null, false, options.RebuildSegments,
                    new Dictionary<int, Dictionary<string, AttributeValue>?>());
                await registry.PutVersionAsync(building, ct);
                LogStarting(logger, name, target, pointer.LiveVersion, readModel.SchemaVersion);
            }
            else
            {
                await registry.UpdateVersionAsync(name, target, ct, ("state", ReadModelVersionRegistry.S(RebuildStates.Running)));
                building = building with { State = RebuildStates.Running };
                LogResuming(logger, name, target, building.Phase, building.EventsDone);
            }

            var cts = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            var running = new Running(target, cts) { Source = replaySource ?? ResumedSource(building) };
            _running[name] = running;
            running.Task = Task.Run(() => RunAsync(readModel, pointer.LiveVersion, target, running), CancellationToken.None);
            return building;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Cancels a rebuild: stops it, marks it cancelled, keeps its resume state. False when none runs.</summary>
    public async Task<bool> CancelAsync(string name, CancellationToken ct)
    {
        if (_running.TryGetValue(name, out var running))
        {
            running.CancelRequested = true;
            await running.Cts.CancelAsync();
            await running.Task.WaitAsync(TimeSpan.FromSeconds(60), ct);
            return true;
        }

        // Not running here: a rebuild left by a stopped or crashed host.
        var pointer = await registry.GetPointerAsync(name, ct);
        if (pointer.RebuildingVersion is not { } version ||
            (pointer.Owner is not null && pointer.HeartbeatAt > DateTimeOffset.UtcNow - options.RebuildStaleAfter))
        {
            return false;
        }

        if (await registry.TryAcquireAsync(name, version, _owner, options.RebuildStaleAfter, ct))
        {
            await registry.UpdateVersionAsync(name, version, ct,
                ("state", ReadModelVersionRegistry.S(RebuildStates.Cancelled)), ("finishedAt", ReadModelVersionRegistry.Time(DateTimeOffset.UtcNow)));
            await registry.ReleaseAsync(name, _owner, keepRebuilding: false, ct);
            return true;
        }

        return false;
    }

    private async Task RunAsync(HostedReadModel readModel, int live, int target, Running running)
    {
        var name = readModel.Name;
        var ct = running.Cts.Token;
        using var heartbeat = new CancellationTokenSource();
        var heartbeatTask = HeartbeatAsync(name, running, heartbeat.Token);
        var subscriptionStarted = false;
        try
        {
            var record = await registry.GetVersionAsync(name, target, ct) ?? throw new InvalidOperationException($"Version {target} of '{name}' is not in the registry.");
            var targetProjection = await readModel.CreateAsync(target, ct);
            if (!record.Seeded)
            {
                await SeedCheckpointsAsync(readModel, live, target, targetProjection, running.Source, ct);
                await registry.UpdateVersionAsync(name, target, ct, ("seeded", new AttributeValue { BOOL = true }));
            }

            if (record.Phase == RebuildPhases.BulkLoad)
            {
                await BulkLoadAsync(record, targetProjection.Projection, running.Source, ct);
                await registry.UpdateVersionAsync(name, target, ct, ("phase", ReadModelVersionRegistry.S(RebuildPhases.CatchUp)));
            }

            await host.StartVersionAsync(name, target, ct);
            subscriptionStarted = true;
            await WaitCaughtUpAsync(readModel, live, target, ct);

            await registry.UpdateVersionAsync(name, target, ct, ("phase", ReadModelVersionRegistry.S(RebuildPhases.Switching)));
            if (!await registry.SwitchLiveAsync(name, live, target, record.SchemaVersion, _owner, ct))
            {
                throw new InvalidOperationException($"Switching '{name}' from version {live} to {target} lost a race (live version changed or the lock was taken over).");
            }

            (catalog as RegistryReadModelCatalog)?.Invalidate(name);
            var now = DateTimeOffset.UtcNow;
            await registry.UpdateVersionAsync(name, target, CancellationToken.None,
                ("state", ReadModelVersionRegistry.S(RebuildStates.Completed)),
                ("role", ReadModelVersionRegistry.S(VersionRoles.Live)),
                ("phase", ReadModelVersionRegistry.S(RebuildPhases.Done)),
                ("finishedAt", ReadModelVersionRegistry.Time(now)));
            await registry.UpdateVersionAsync(name, live, CancellationToken.None,
                ("version", ReadModelVersionRegistry.N(live)),
                ("state", ReadModelVersionRegistry.S(RebuildStates.Completed)),
                ("role", ReadModelVersionRegistry.S(VersionRoles.Retiring)),
                ("retireAfter", ReadModelVersionRegistry.Time(now + options.RebuildGracePeriod)));
            await registry.ReleaseAsync(name, _owner, keepRebuilding: false, CancellationToken.None);
            LogSwitched(logger, name, live, target);
            _background.Add(Task.Run(() => RetireAsync(readModel, live, options.RebuildGracePeriod, _stopping.Token), CancellationToken.None));
        }
        catch (OperationCanceledException) when (running.CancelRequested)
        {
            if (subscriptionStarted) await host.StopVersionAsync(name, target, CancellationToken.None);
            await registry.UpdateVersionAsync(name, target, CancellationToken.None,
                ("state", ReadModelVersionRegistry.S(RebuildStates.Cancelled)), ("finishedAt", ReadModelVersionRegistry.Time(DateTimeOffset.UtcNow)));
            await registry.ReleaseAsync(name, _owner, keepRebuilding: false, CancellationToken.None);
            LogCancelled(logger, name, target);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested || running.LostLock)
        {
            // Host shutting down (or another host took the rebuild over): leave it running in the registry for the next owner.
            if (subscriptionStarted) await host.StopVersionAsync(name, target, CancellationToken.None);
            if (!running.LostLock) await registry.ReleaseAsync(name, _owner, keepRebuilding: true, CancellationToken.None);
            LogSuspended(logger, name, target);
        }
        catch (Exception ex)
        {
            LogFailed(logger, ex, name, target);
            if (subscriptionStarted) await host.StopVersionAsync(name, target, CancellationToken.None);
            await registry.UpdateVersionAsync(name, target, CancellationToken.None,
                ("state", ReadModelVersionRegistry.S(RebuildStates.Failed)),
                ("error", ReadModelVersionRegistry.S(ex.GetBaseException().Message)),
                ("finishedAt", ReadModelVersionRegistry.Time(DateTimeOffset.UtcNow)));
            await registry.ReleaseAsync(name, _owner, keepRebuilding: false, CancellationToken.None);
        }
        finally
        {
            await heartbeat.CancelAsync();
            await heartbeatTask;
            _running.TryRemove(name, out _);
            running.Cts.Dispose();
        }
    }

    private async Task HeartbeatAsync(string name, Running running, CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                await Task.Delay(options.RebuildHeartbeatInterval, ct);
                if (!await registry.HeartbeatAsync(name, _owner, ct))
                {
                    running.LostLock = true;
                    await running.Cts.CancelAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            LogHeartbeatFailed(logger, ex, name);
        }
    }

    /// <summary>
    /// Copies the live version's checkpoint per shard to the new version's subscription (before any scan), or the replay
    /// source's positions when it bulk-loads from one (the catch-up then reads the stream after what the source replays).
    /// </summary>
    private async Task SeedCheckpointsAsync(HostedReadModel readModel, int live, int target, HostedProjection targetProjection, IReplaySource? source, CancellationToken ct)
    {
        var leases = new DynamoDbLeaseStore(dynamoDb, hostOptions.LeaseTable);
        var liveSubscription = ProjectionHostService.SubscriptionName(readModel.Name, live);
        var targetSubscription = ProjectionHostService.SubscriptionName(readModel.Name, target);
        var liveCheckpoints = await CheckpointsOfAsync(readModel, live, ct);
        var targetCheckpoints = targetProjection.Checkpoints ?? new DynamoDbCheckpointStore(dynamoDb, hostOptions.LeaseTable);
        foreach (var old in await leases.ListAsync(targetSubscription, ct))
        {
            await leases.DeleteAsync(targetSubscription, old.ShardId, ct);
        }

        var seeded = 0;
        var positions = new List<ReplayPosition>();
        if (source is not null)
        {
            positions.AddRange(await source.PositionsAsync(ct));
        }
        else
        {
            foreach (var lease in await leases.ListAsync(liveSubscription, ct))
            {
                if (await liveCheckpoints.GetAsync(liveSubscription, lease.ShardId, ct) is { } position)
                {
                    positions.Add(new ReplayPosition(lease.ShardId, lease.ParentShardId, position));
                }
            }
        }

        foreach (var (shardId, parentShardId, checkpoint) in positions)
        {
            var lease = new Lease(targetSubscription, shardId) { ParentShardId = parentShardId };
            await leases.CreateIfMissingAsync(lease, ct);
            if (readModel.SeedCheckpointAsync is { } seed)
            {
                await seed(target, targetSubscription, lease.ShardId, checkpoint, ct);
            }
            else
            {
                await targetCheckpoints.SaveAsync(targetSubscription, lease.ShardId, checkpoint, ct);
            }
            seeded++;
        }

        LogSeeded(logger, readModel.Name, target, seeded);
    }

    private async Task<ICheckpointStore> CheckpointsOfAsync(HostedReadModel readModel, int version, CancellationToken ct)
    {
        var hosted = await readModel.CreateAsync(version, ct);
        return hosted.Checkpoints ?? new DynamoDbCheckpointStore(dynamoDb, hostOptions.LeaseTable);
    }

    private async Task BulkLoadAsync(ReadModelVersionRecord record, IProjection projection, IReplaySource? source, CancellationToken ct)
    {
        var segments = record.Segments > 0 ? record.Segments : options.RebuildSegments;
        var done = record.EventsDone;
        var total = await EstimateTotalAsync(ct);
        await registry.UpdateVersionAsync(record.Name, record.Version, ct, ("eventsTotal", ReadModelVersionRegistry.N(total)));
        var stopwatch = Stopwatch.StartNew();
        var startDone = done;
        using var progressCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var progress = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    await Task.Delay(TimeSpan.FromSeconds(5), progressCts.Token);
                    var now = Interlocked.Read(ref done);
                    LogProgress(logger, record.Name, record.Version, now, Math.Max(total, now), (now - startDone) / Math.Max(stopwatch.Elapsed.TotalSeconds, 0.001));
                }
            }
            catch (OperationCanceledException)
            {
            }
        }, CancellationToken.None);

        var repaired = 0L;
        try
        {
            await Task.WhenAll(Enumerable.Range(0, segments).Select(async segment =>
            {
                Dictionary<string, AttributeValue>? start = null;
                if (record.Resume.TryGetValue(segment, out var saved))
                {
                    if (saved is null) return; // segment finished before
                    start = saved;
                }

                if (source is not null)
                {
                    await foreach (var page in source.ReadAsync(segment, segments, start, ct))
                    {
                        await ApplyPageAsync(projection, page.Events, ct);
                        await registry.SaveSegmentAsync(record.Name, record.Version, segment, page.Resume, page.Read, ct);
                        Interlocked.Add(ref done, page.Read);
                    }

                    return;
                }

                var lastVersions = new Dictionary<string, long>(StringComparer.Ordinal);
                var next = ScanAsync(segment, segments, start, ct);
                while (true)
                {
                    var page = await next;
                    var lastKey = page.LastEvaluatedKey is { Count: > 0 } k ? k : null;
                    if (lastKey is not null)
                    {
                        next = ScanAsync(segment, segments, lastKey, ct); // read ahead while this page is applied
                    }

                    var items = page.Items ?? [];
                    var events = new List<StoredEvent>(items.Count);
                    foreach (var item in items)
                    {
                        if (EventItem.IsEvent(item)) events.Add(EventItem.FromItem(item));
                    }

                    var (ordered, repairs) = await InOrderAsync(events, lastVersions, ct);
                    Interlocked.Add(ref repaired, repairs);
                    ForgetAllButLast(lastVersions, ordered);
                    await ApplyPageAsync(projection, ordered, ct);

                    await registry.SaveSegmentAsync(record.Name, record.Version, segment, lastKey, events.Count, ct);
                    Interlocked.Add(ref done, events.Count);
                    if (lastKey is null) break;
                }
            }));
        }
        finally
        {
            await progressCts.CancelAsync();
            await progress;
        }

        var finalDone = Interlocked.Read(ref done);
        await registry.UpdateVersionAsync(record.Name, record.Version, ct, ("eventsTotal", ReadModelVersionRegistry.N(Math.Max(total, finalDone))));
        LogBulkLoaded(logger, record.Name, record.Version, finalDone - startDone, stopwatch.Elapsed.TotalSeconds, repaired);
    }

    private static async Task ApplyPageAsync(IProjection projection, IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        if (events.Count > 0 && projection is IBulkLoadProjection bulk)
        {
            await bulk.BulkLoadAsync(events, ct);
        }
        else if (events.Count > 0)
        {
            await projection.ApplyAsync(new ProjectionBatch(events, null), ct);
        }
    }

    private IReplaySource? ReplaySourceNamed(string? name) =>
        name is null or "event-store" ? null
        : replaySources?.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.Ordinal))
          ?? throw new ArgumentException(
              $"No replay source is named '{name}'. Known: event-store{string.Concat((replaySources ?? []).Select(s => ", " + s.Name))}.", nameof(name));

    /// <summary>The source a resumed rebuild was reading from, known by its saved resume tokens (none: the event store).</summary>
    private IReplaySource? ResumedSource(ReadModelVersionRecord record) =>
        replaySources?.FirstOrDefault(s => record.Resume.Values.Any(r => r is not null && s.Owns(r)));

    /// <summary>
    /// Guards per-invoice order inside one segment: an invoice's events must arrive as consecutive versions. Anything else
    /// (a resume that starts inside an invoice, or a scan that returns an invoice out of order) is repaired by reading
    /// that invoice's stream from the store from the first version not yet seen, so the projection only ever gets
    /// consecutive versions; what it already has is a no-op (per-row version guard).
    /// </summary>
    private async Task<(List<StoredEvent> Events, int Repairs)> InOrderAsync(List<StoredEvent> events, Dictionary<string, long> lastVersions, CancellationToken ct)
    {
        var result = new List<StoredEvent>(events.Count);
        var repairs = 0;
        foreach (var e in events)
        {
            var known = lastVersions.TryGetValue(e.StreamId, out var last);
            if (known && e.Version <= last) continue;
            if ((known && e.Version == last + 1) || (!known && e.Version == 1))
            {
                result.Add(e);
                lastVersions[e.StreamId] = e.Version;
                continue;
            }

            repairs++;
            var from = known ? last + 1 : 1;
            await foreach (var stored in eventStore.ReadStreamAsync(e.StreamId, from, ct))
            {
                result.Add(stored);
                lastVersions[e.StreamId] = stored.Version;
            }
        }

        return (result, repairs);
    }

    /// <summary>
    /// Keeps memory bounded however many invoices a segment holds: a scan segment returns each invoice's items together, so
    /// only the invoice a page ended in can continue on the next page. An invoice that shows up again later anyway is
    /// re-read from its first version by <see cref="InOrderAsync"/> (a no-op for what was applied).
    /// </summary>
    private static void ForgetAllButLast(Dictionary<string, long> lastVersions, List<StoredEvent> ordered)
    {
        if (ordered.Count == 0 || lastVersions.Count <= 1) return;
        var last = ordered[^1];
        lastVersions.Clear();
        lastVersions[last.StreamId] = last.Version;
    }

    private Task<ScanResponse> ScanAsync(int segment, int segments, Dictionary<string, AttributeValue>? start, CancellationToken ct) =>
        dynamoDb.ScanAsync(new ScanRequest
        {
            TableName = eventTables.Events,
            Segment = segment,
            TotalSegments = segments,
            Limit = options.RebuildPageSize,
            ExclusiveStartKey = start,
            ConsistentRead = true,
        }, ct);

    private async Task<long> EstimateTotalAsync(CancellationToken ct)
    {
        try
        {
            var table = await dynamoDb.DescribeTableAsync(eventTables.Events, ct);
            return table.Table.ItemCount ?? 0;
        }
        catch (AmazonDynamoDBException)
        {
            return 0;
        }
    }

    private async Task WaitCaughtUpAsync(HostedReadModel readModel, int live, int target, CancellationToken ct)
    {
        var leases = new DynamoDbLeaseStore(dynamoDb, hostOptions.LeaseTable);
        var liveSubscription = ProjectionHostService.SubscriptionName(readModel.Name, live);
        var targetSubscription = ProjectionHostService.SubscriptionName(readModel.Name, target);
        var liveCheckpoints = await CheckpointsOfAsync(readModel, live, ct);
        var targetCheckpoints = await CheckpointsOfAsync(readModel, target, ct);

        // The goal: where the live version is now. The new one has caught up when its checkpoint reaches it on every shard.
        var goal = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var lease in await leases.ListAsync(liveSubscription, ct))
        {
            if (await liveCheckpoints.GetAsync(liveSubscription, lease.ShardId, ct) is { } checkpoint) goal[lease.ShardId] = checkpoint;
        }

        var deadline = DateTimeOffset.UtcNow + options.RebuildCatchUpTimeout;
        while (true)
        {
            var behind = 0;
            foreach (var (shard, checkpoint) in goal)
            {
                var mine = await targetCheckpoints.GetAsync(targetSubscription, shard, ct);
                if (!Reached(mine, checkpoint)) behind++;
            }

            if (behind == 0)
            {
                return;
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"Version {target} of '{readModel.Name}' did not catch up with version {live} within {options.RebuildCatchUpTimeout}.");
            }

            await Task.Delay(100, ct);
        }
    }

    private static bool Reached(string? mine, string goal)
    {
        if (mine is null) return false;
        if (Checkpoint.IsShardEnd(mine)) return true;
        if (Checkpoint.IsShardEnd(goal)) return false;
        return BigInteger.TryParse(mine, NumberStyles.None, CultureInfo.InvariantCulture, out var a)
            && BigInteger.TryParse(goal, NumberStyles.None, CultureInfo.InvariantCulture, out var b)
            ? a >= b
            : string.CompareOrdinal(mine, goal) >= 0;
    }

    /// <summary>Retires a version now, in the background (tracked and logged like the retirement after a switch).</summary>
    public void BeginRetire(HostedReadModel readModel, int version) =>
        _background.Add(Task.Run(() => RetireAsync(readModel, version, TimeSpan.Zero, _stopping.Token), CancellationToken.None));

    private async Task RetireAsync(HostedReadModel readModel, int version, TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, ct);
            await RetireNowAsync(readModel, version, ct);
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            LogRetireFailed(logger, ex, readModel.Name, version);
        }
    }

    /// <summary>
    /// Retires a retiring version: marks it retired (one conditional write, so one host wins), which makes every host's
    /// <see cref="ReadModelVersionFollower"/> stop feeding it; the winner drops its store once they have had time to (a
    /// write into a dropped table would fail and park records of a version nobody reads). Run by the host that switched,
    /// after the grace period, or by any host's follower (<see cref="BeginRetire"/>) when that host went away.
    /// </summary>
    private async Task RetireNowAsync(HostedReadModel readModel, int version, CancellationToken ct)
    {
        var won = await registry.TryMarkRetiredAsync(readModel.Name, version, ct);
        await host.StopVersionAsync(readModel.Name, version, ct);
        if (!won) return;
        await Task.Delay(options.FollowInterval * 3, ct);
        if (readModel.DropAsync is { } drop) await drop(version, ct);
        LogRetired(logger, readModel.Name, version);
    }

    private async Task DropVersionAsync(HostedReadModel readModel, int version, CancellationToken ct)
    {
        // Other hosts may be feeding it (a catch-up left by a crashed owner): mark it cancelled so their followers stop,
        // and give them time to before the store goes.
        var fed = await registry.GetVersionAsync(readModel.Name, version, ct) is { State: RebuildStates.Running, Phase: not RebuildPhases.BulkLoad };
        await registry.UpdateVersionAsync(readModel.Name, version, ct, ("state", ReadModelVersionRegistry.S(RebuildStates.Cancelled)));
        await host.StopVersionAsync(readModel.Name, version, ct);
        if (fed) await Task.Delay(options.FollowInterval * 3, ct);
        if (readModel.DropAsync is { } drop) await drop(version, ct);
        var leases = new DynamoDbLeaseStore(dynamoDb, hostOptions.LeaseTable);
        var subscription = ProjectionHostService.SubscriptionName(readModel.Name, version);
        foreach (var lease in await leases.ListAsync(subscription, ct))
        {
            await leases.DeleteAsync(subscription, lease.ShardId, ct);
        }

        await registry.DeleteVersionAsync(readModel.Name, version, ct);
    }

    private async Task ResumeOrAutoRebuildAsync(CancellationToken ct)
    {
        foreach (var readModel in host.ReadModels)
        {
            try
            {
                // Versions left retiring by a host that went away are retired by the follower when they are due.
                var pointer = await registry.GetPointerAsync(readModel.Name, ct);
                var stale = pointer.Owner is null || pointer.HeartbeatAt < DateTimeOffset.UtcNow - options.RebuildStaleAfter;
                if (pointer.RebuildingVersion is not null && options.ResumeRebuildsOnStart)
                {
                    if (!stale)
                    {
                        // Wait for the holder's heartbeat to go stale (it may have crashed), then try once.
                        await Task.Delay(options.RebuildStaleAfter, ct);
                    }

                    await StartRebuildAsync(readModel.Name, restart: false, ct);
                }
                else if (options.AutoRebuildOnSchemaChange && pointer.RebuildingVersion is null &&
                         pointer.LiveSchemaVersion is { } liveSchema && readModel.SchemaVersion > liveSchema)
                {
                    LogSchemaChanged(logger, readModel.Name, liveSchema, readModel.SchemaVersion);
                    await StartRebuildAsync(readModel.Name, restart: false, ct);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (RebuildConflictException ex)
            {
                LogNotResumed(logger, readModel.Name, ex.Message);
            }
            catch (Exception ex)
            {
                LogResumeFailed(logger, ex, readModel.Name);
            }
        }
    }

    private sealed class Running(int version, CancellationTokenSource cts)
    {
        public int Version { get; } = version;
        public CancellationTokenSource Cts { get; } = cts;
        public Task Task { get; set; } = Task.CompletedTask;
        public IReplaySource? Source { get; init; }
        public volatile bool CancelRequested;
        public volatile bool LostLock;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuild of {ReadModel}: building version {Version} beside live version {Live} (schema {SchemaVersion})")]
    private static partial void LogStarting(ILogger logger, string readModel, int version, int live, int schemaVersion);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuild of {ReadModel}: resuming version {Version} in phase {Phase} at {EventsDone} events")]
    private static partial void LogResuming(ILogger logger, string readModel, int version, string phase, long eventsDone);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuild of {ReadModel} v{Version}: seeded {Shards} shard checkpoints from the live version")]
    private static partial void LogSeeded(ILogger logger, string readModel, int version, int shards);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuild of {ReadModel} v{Version}: {EventsDone}/{EventsTotal} events, {EventsPerSecond:F0} events/s")]
    private static partial void LogProgress(ILogger logger, string readModel, int version, long eventsDone, long eventsTotal, double eventsPerSecond);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuild of {ReadModel} v{Version}: bulk load applied {Events} events in {Seconds:F1} s ({Repairs} invoices re-read for order)")]
    private static partial void LogBulkLoaded(ILogger logger, string readModel, int version, long events, double seconds, long repairs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuild of {ReadModel}: switched readers from version {From} to {To}")]
    private static partial void LogSwitched(ILogger logger, string readModel, int from, int to);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuild of {ReadModel}: version {Version} retired (subscription stopped, store dropped)")]
    private static partial void LogRetired(ILogger logger, string readModel, int version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rebuild of {ReadModel}: retiring version {Version} failed")]
    private static partial void LogRetireFailed(ILogger logger, Exception ex, string readModel, int version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuild of {ReadModel} v{Version} cancelled; resume state kept")]
    private static partial void LogCancelled(ILogger logger, string readModel, int version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuild of {ReadModel} v{Version} suspended (host stopping); the next host resumes it")]
    private static partial void LogSuspended(ILogger logger, string readModel, int version);

    [LoggerMessage(Level = LogLevel.Error, Message = "Rebuild of {ReadModel} v{Version} failed")]
    private static partial void LogFailed(ILogger logger, Exception ex, string readModel, int version);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rebuild heartbeat of {ReadModel} failed")]
    private static partial void LogHeartbeatFailed(ILogger logger, Exception ex, string readModel);

    [LoggerMessage(Level = LogLevel.Information, Message = "Read model {ReadModel}: code declares schema {CodeSchema}, live version has schema {LiveSchema}; rebuilding")]
    private static partial void LogSchemaChanged(ILogger logger, string readModel, int liveSchema, int codeSchema);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuild of {ReadModel} not resumed here: {Reason}")]
    private static partial void LogNotResumed(ILogger logger, string readModel, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Resuming or starting the rebuild of {ReadModel} at start failed")]
    private static partial void LogResumeFailed(ILogger logger, Exception ex, string readModel);
}
