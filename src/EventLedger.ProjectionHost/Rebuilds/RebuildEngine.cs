using System.Collections.Concurrent;
using Amazon.DynamoDBv2;
using EventLedger.EventStore;
using EventLedger.EventStore.Tables;
using EventLedger.ProjectionHost.Hosting;
using EventLedger.ProjectionHost.Rebuilds.Phases;
using EventLedger.Projections.Contracts;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using EventLedger.Streams.Leases;

namespace EventLedger.ProjectionHost.Rebuilds;

/// <summary>
/// Rebuilds a read model side by side (ADR 0005): version N+1 is created beside the live N and seeded with N's stream
/// checkpoints, bulk-loaded from a parallel scan of the event store, caught up from the stream, and switched to in one
/// conditional write; N is retired after a grace period. The phases live in <c>Phases/</c>; this class starts, cancels
/// and stops rebuilds, holds the ones running here, and resumes rebuilds left by a stopped host at start.
/// </summary>
public sealed partial class RebuildEngine : IHostedService
{
    private static readonly TimeSpan CancelWait = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ShutdownWait = TimeSpan.FromSeconds(30);

    private readonly ProjectionHostService _host;
    private readonly ReadModelVersionRegistry _registry;
    private readonly RebuildOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger<RebuildEngine> _logger;
    private readonly IReadOnlyList<IReplaySource> _replaySources;
    private readonly RebuildPipeline _pipeline;
    private readonly RetirePhase _retire;
    private readonly BackgroundWork _background;
    private readonly ConcurrentDictionary<string, RebuildRun> _running = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stopping = new();
    private readonly string _owner = LeaseOwner.NewId();

    public RebuildEngine(
        IAmazonDynamoDB dynamoDb,
        EventStoreTables eventTables,
        InvoiceEventStore eventStore,
        ProjectionHostService host,
        ReadModelVersionRegistry registry,
        IReadModelCatalog catalog,
        ProjectionHostOptions hostOptions,
        RebuildOptions options,
        TimeProvider clock,
        ILogger<RebuildEngine> logger,
        IEnumerable<IReplaySource>? replaySources = null)
    {
        (_host, _registry, _options, _clock, _logger) = (host, registry, options, clock, logger);
        _replaySources = [.. replaySources ?? []];
        var subscriptions = new VersionSubscriptions(dynamoDb, hostOptions);
        _retire = new RetirePhase(host, registry, subscriptions, options, clock, logger);
        _background = new BackgroundWork(_stopping.Token, logger);
        _pipeline = new RebuildPipeline(
            host,
            registry,
            new CreateAndSeedPhase(registry, subscriptions, logger),
            new BulkLoadPhase(dynamoDb, eventTables, eventStore, registry, options, clock, logger),
            new CatchUpPhase(host, subscriptions, options, clock),
            new SwitchPhase(registry, catalog, options, clock, logger),
            new RebuildLockKeeper(registry, options, clock, logger),
            clock,
            logger);
    }

    /// <summary>Read models whose rebuild runs on this host now.</summary>
    public IReadOnlyCollection<string> RunningHere => [.. _running.Keys];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _registry.EnsureTableAsync(cancellationToken);
        foreach (var readModel in _host.ReadModels)
        {
            if (await _registry.TryBootstrapAsync(readModel.Name, readModel.SchemaVersion, cancellationToken))
            {
                LogBootstrapped(_logger, readModel.Name, readModel.SchemaVersion);
            }
        }

        _background.TryStart("resume or start rebuilds", ResumeOrAutoRebuildAsync);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync(); // every run stops as HostStopping; background work ends
        var runs = _running.Values.ToList();
        try
        {
            await Task.WhenAll(runs.Select(r => r.Completion).Append(_background.WhenAllAsync())).WaitAsync(ShutdownWait, _clock, cancellationToken);
        }
        catch (TimeoutException ex)
        {
            // Shutting down anyway: what was not recorded is resumed from the registry once the lock goes stale.
            LogShutdownTimedOut(_logger, ex, ShutdownWait.TotalSeconds, string.Join(", ", RunningHere.Concat(_background.Running)));
        }
        catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
        {
            // The host's own shutdown deadline came first; same consequence as above.
            LogShutdownCut(_logger, ex, string.Join(", ", RunningHere.Concat(_background.Running)));
        }
    }

    /// <summary>
    /// Starts (or resumes) a rebuild of <paramref name="name"/>. <paramref name="restart"/> drops a half-built version and starts
    /// over. <paramref name="source"/> names an <see cref="IReplaySource"/> to bulk-load from instead of the event store (a new
    /// rebuild only; a resumed one reads on from where it was).
    /// </summary>
    /// <exception cref="KeyNotFoundException">No such read model on this host.</exception>
    /// <exception cref="RebuildConflictException">A rebuild of it runs already.</exception>
    /// <exception cref="NotRebuildableException">It is hosted like a read model but never rebuilt (a reaction).</exception>
    /// <exception cref="ArgumentException">No replay source has that name.</exception>
    /// <exception cref="ReplaySourceUnavailableException">The replay source cannot serve a rebuild now.</exception>
    public async Task<ReadModelVersionRecord> StartRebuildAsync(string name, bool restart, CancellationToken ct, string? source = null)
    {
        var replaySource = ReplaySourceNamed(source);
        var readModel = ReadModelNamed(name);
        if (readModel.NotRebuiltBecause is { } reason)
        {
            throw new NotRebuildableException(reason);
        }

        await _gate.WaitAsync(ct);
        try
        {
            if (_running.ContainsKey(name))
            {
                throw new RebuildConflictException($"A rebuild of '{name}' is already running on this host.");
            }

            var (pointer, versions) = await _registry.GetPointerAndVersionsAsync(name, ct);
            var building = versions
                .Where(v => v.Version > pointer.LiveVersion && v.Role == VersionRole.Building && v.State != RebuildState.Completed)
                .MaxBy(v => v.Version);
            var version = building?.Version ?? Math.Max(pointer.LiveVersion, versions.Count == 0 ? 0 : versions.Max(v => v.Version)) + 1;
            if (replaySource is not null)
            {
                if (building is not null && !restart)
                {
                    throw new RebuildConflictException(
                        $"Version {building.Version} of '{name}' is half built; it resumes from where it was. Add --restart to start over from '{replaySource.Name}'.");
                }

                await replaySource.PositionsAsync(ct); // refuses now, with its reason, before anything is claimed or written
            }

            if (!await _registry.TryClaimAsync(name, version, _owner, _clock.GetUtcNow(), _options.RebuildStaleAfter, ct))
            {
                var holder = await _registry.GetPointerAsync(name, ct);
                throw new RebuildConflictException(
                    $"A rebuild of '{name}' (version {holder.RebuildingVersion}) is running on {holder.Owner} (heartbeat {holder.HeartbeatAt:O}).");
            }

            if (building is not null && restart)
            {
                await _retire.DropAsync(readModel, building.Version, ct);
                building = null;
            }

            if (building is null)
            {
                building = ReadModelVersionRecord.Building(name, version, readModel.SchemaVersion, _options.RebuildSegments, _clock.GetUtcNow());
                await _registry.RecordBuildingAsync(building, ct);
                LogStarting(_logger, name, version, pointer.LiveVersion, readModel.SchemaVersion);
            }
            else
            {
                await _registry.MarkResumedAsync(name, version, ct);
                building = building with { State = RebuildState.Running, FinishedAt = null, Error = null };
                LogResuming(_logger, name, version, building.Phase.ToText(), building.EventsDone);
            }

            // The run is registered before it starts, so its end (which unregisters it) cannot come first.
            var registered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var run = new RebuildRun(new RebuildTarget(readModel, pointer.LiveVersion, version, replaySource ?? ResumedSource(building)), _stopping.Token);
            run.Completion = Task.Run(async () =>
            {
                await registered.Task;
                await RunAsync(run);
            }, CancellationToken.None);
            _running[name] = run;
            registered.SetResult();
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
            running.RequestStop(RebuildStopReason.CancelRequested);
            await running.Completion.WaitAsync(CancelWait, _clock, ct);
            return true;
        }

        // Not running here: a rebuild left by a stopped or crashed host.
        var now = _clock.GetUtcNow();
        var pointer = await _registry.GetPointerAsync(name, ct);
        if (pointer.RebuildingVersion is not { } version ||
            (pointer.Owner is not null && pointer.HeartbeatAt > now - _options.RebuildStaleAfter))
        {
            return false;
        }

        if (!await _registry.TryClaimAsync(name, version, _owner, now, _options.RebuildStaleAfter, ct))
        {
            return false;
        }

        await _registry.MarkCancelledAsync(name, version, now, ct);
        if (!await _registry.ReleaseClaimAsync(name, _owner, ct)) LogCancelLockTaken(_logger, name, version);
        return true;
    }

    /// <summary>Retires a version now, in the background (once per version at a time; a failure is logged).</summary>
    public void BeginRetire(HostedReadModel readModel, int version) => BeginRetire(readModel, version, TimeSpan.Zero);

    private void BeginRetire(HostedReadModel readModel, int version, TimeSpan delay) =>
        _background.TryStart($"retire {readModel.Name} v{version}", ct => _retire.RetireAsync(readModel, version, delay, ct));

    private async Task RunAsync(RebuildRun run)
    {
        try
        {
            if (await _pipeline.RunAsync(run, _owner))
            {
                BeginRetire(run.Target.ReadModel, run.Target.Live, _options.RebuildGracePeriod);
            }
        }
        finally
        {
            _running.TryRemove(KeyValuePair.Create(run.Target.Name, run));
            run.Dispose();
        }
    }

    /// <summary>At start: resumes rebuilds a stopped or crashed host left running, and starts those a newer schema in code asks for.</summary>
    private async Task ResumeOrAutoRebuildAsync(CancellationToken ct)
    {
        foreach (var readModel in _host.ReadModels)
        {
            try
            {
                // Versions left retiring by a host that went away are retired by the follower when they are due.
                var pointer = await _registry.GetPointerAsync(readModel.Name, ct);
                if (_options.ResumeRebuildsOnStart && LeftRunning(pointer))
                {
                    if (pointer.Owner is not null && pointer.HeartbeatAt >= _clock.GetUtcNow() - _options.RebuildStaleAfter)
                    {
                        // Its holder may have crashed: wait for its heartbeat to go stale, then look again and try once.
                        await Task.Delay(_options.RebuildStaleAfter, _clock, ct);
                        if (!LeftRunning(await _registry.GetPointerAsync(readModel.Name, ct))) continue;
                    }

                    await StartRebuildAsync(readModel.Name, restart: false, ct);
                }
                else if (_options.AutoRebuildOnSchemaChange && pointer.RebuildingVersion is null &&
                         pointer.LiveSchemaVersion is { } liveSchema && readModel.SchemaVersion > liveSchema)
                {
                    LogSchemaChanged(_logger, readModel.Name, liveSchema, readModel.SchemaVersion);
                    await StartRebuildAsync(readModel.Name, restart: false, ct);
                }
            }
            catch (RebuildConflictException ex)
            {
                // Another live host runs it: nothing to do here.
                LogNotResumed(_logger, readModel.Name, ex.Message);
            }
            catch (Exception ex) when (!ct.IsCancellationRequested)
            {
                // One read model's trouble must not keep the others from resuming; it is resumed at the next start or by hand.
                LogResumeFailed(_logger, ex, readModel.Name);
            }
        }
    }

    /// <summary>A rebuild is marked in the lock and has not switched yet (a lock left behind after a switch is not one).</summary>
    private static bool LeftRunning(ReadModelPointer pointer) => pointer.RebuildingVersion > pointer.LiveVersion;

    private IReplaySource? ReplaySourceNamed(string? name) =>
        name is null or "event-store" ? null
        : _replaySources.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.Ordinal))
          ?? throw new ArgumentException(
              $"No replay source is named '{name}'. Known: event-store{string.Concat(_replaySources.Select(s => ", " + s.Name))}.", nameof(name));

    /// <summary>The source a resumed rebuild was reading from, known by its saved resume tokens (none: the event store).</summary>
    private IReplaySource? ResumedSource(ReadModelVersionRecord record) =>
        _replaySources.FirstOrDefault(s => record.Resume.Values.Any(r => r is not null && s.Owns(r)));

    private HostedReadModel ReadModelNamed(string name) =>
        _host.ReadModels.FirstOrDefault(r => r.Name == name)
        ?? throw new KeyNotFoundException($"No read model is named '{name}'. Known: {string.Join(", ", _host.ReadModels.Select(r => r.Name))}.");

    [LoggerMessage(Level = LogLevel.Information, Message = "Read model {ReadModel}: live version 1 recorded with schema {SchemaVersion}")]
    private static partial void LogBootstrapped(ILogger logger, string readModel, int schemaVersion);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuild of {ReadModel}: building version {Version} beside live version {Live} (schema {SchemaVersion})")]
    private static partial void LogStarting(ILogger logger, string readModel, int version, int live, int schemaVersion);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuild of {ReadModel}: resuming version {Version} in phase {Phase} at {EventsDone} events")]
    private static partial void LogResuming(ILogger logger, string readModel, int version, string phase, long eventsDone);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rebuild of {ReadModel} v{Version} cancelled, but its lock was taken by another host before it was released")]
    private static partial void LogCancelLockTaken(ILogger logger, string readModel, int version);

    [LoggerMessage(Level = LogLevel.Information, Message = "Read model {ReadModel}: code declares schema {CodeSchema}, live version has schema {LiveSchema}; rebuilding")]
    private static partial void LogSchemaChanged(ILogger logger, string readModel, int liveSchema, int codeSchema);

    [LoggerMessage(Level = LogLevel.Information, Message = "Rebuild of {ReadModel} not resumed here: {Reason}")]
    private static partial void LogNotResumed(ILogger logger, string readModel, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Resuming or starting the rebuild of {ReadModel} at start failed")]
    private static partial void LogResumeFailed(ILogger logger, Exception ex, string readModel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rebuild engine: stopping took longer than {Seconds} s, left running: {Work}; their state in the registry is resumed once their locks go stale")]
    private static partial void LogShutdownTimedOut(ILogger logger, Exception ex, double seconds, string work);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rebuild engine: the host's shutdown deadline came before these stopped: {Work}; their state in the registry is resumed once their locks go stale")]
    private static partial void LogShutdownCut(ILogger logger, Exception ex, string work);
}
