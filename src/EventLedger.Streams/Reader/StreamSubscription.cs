using System.Collections.Concurrent;
using EventLedger.Streams.Checkpoints;
using EventLedger.Streams.Client;
using EventLedger.Streams.Client.Model;
using EventLedger.Streams.DeadLetters;
using EventLedger.Streams.Leases;
using EventLedger.Streams.Metrics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EventLedger.Streams.Reader;

/// <summary>
/// One named consumer of a DynamoDB stream, built like the Kinesis Client Library: it discovers shards (and re-discovers them
/// periodically), shares them with other hosts through leases, reads each leased shard in a <see cref="ShardWorker"/> (parents
/// before children), and hands batches to the <see cref="IStreamBatchProcessor"/>. Run it as a hosted service.
/// </summary>
public sealed class StreamSubscription : IHostedService, IAsyncDisposable
{
    private readonly StreamSubscriptionOptions _options;
    private readonly IDynamoDbStreams _streams;
    private readonly ILeaseStore _leaseStore;
    private readonly ICheckpointStore _checkpoints;
    private readonly IDeadLetterStore _deadLetters;
    private readonly IStreamBatchProcessor _processor;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly StreamsMetrics _metrics;
    private readonly Backoff _backoff;
    private readonly LeaseCoordinator _coordinator;
    private readonly ShardDiscovery _discovery;
    private readonly DeadLetterParker _parker;
    private readonly ConcurrentDictionary<string, ShardWorker> _workers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _restartAfter = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _failures = new(StringComparer.Ordinal);
    private volatile IReadOnlyDictionary<string, ShardProgress> _progress = new Dictionary<string, ShardProgress>();
    private volatile IReadOnlySet<string> _knownShards = new HashSet<string>();
    private CancellationTokenSource? _stopping;
    private Task? _running;
    private ShardWorkerContext? _context;
    private string? _streamArn;
    private long _retiredRecords;
    private int _deadLetterCount;
    private int _deadLettersSeen;
    private volatile string _state = "Created";
    private volatile IReadOnlySet<string> _heldShards = new HashSet<string>();
    private readonly Lock _workersLock = new();
    private bool _paused;
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public StreamSubscription(
        StreamSubscriptionOptions options,
        IDynamoDbStreams streams,
        ILeaseStore leaseStore,
        ICheckpointStore checkpoints,
        IDeadLetterStore deadLetters,
        IStreamBatchProcessor processor,
        ILoggerFactory? loggerFactory = null,
        TimeProvider? timeProvider = null,
        StreamsMetrics? metrics = null)
    {
        _metrics = metrics ?? StreamsMetrics.Unhosted;
        options.Validate();
        _options = options;
        _streams = streams;
        _leaseStore = leaseStore;
        _checkpoints = checkpoints;
        _deadLetters = deadLetters;
        _processor = processor;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger($"EventLedger.Streams.Subscription.{options.Name}");
        _time = timeProvider ?? TimeProvider.System;
        _backoff = new Backoff(options.BackoffBase, options.BackoffMax);
        _coordinator = new LeaseCoordinator(leaseStore, options.Name, options.OwnerId, options.LeaseDuration, options.MaxLeasesPerHost, _time, _logger);
        _discovery = new ShardDiscovery(streams);
        _parker = new DeadLetterParker(deadLetters, options.Name, _backoff, _time, _logger, _metrics);
        deadLetters.RegisterProcessor(options.Name, processor);
    }

    public string Name => _options.Name;

    public StreamSubscriptionOptions Options => _options;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (_running is not null)
        {
            throw new InvalidOperationException($"Subscription {Name} is already started.");
        }

        _stopping = new CancellationTokenSource();
        _state = "Starting";
        _running = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops reading, lets in-flight batches finish within <see cref="StreamSubscriptionOptions.ShutdownGracePeriod"/> (or until
    /// <paramref name="cancellationToken"/> fires), checkpoints what finished and releases the leases.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_running is null || _stopping is null)
        {
            return;
        }

        if (_running.IsCompleted)
        {
            return;
        }

        _state = "Stopping";
        await _stopping.CancelAsync();
        using var registration = cancellationToken.Register(AbortWorkers);
        await _running;
        _state = "Stopped";
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);

    /// <summary>The shards whose lease this host holds (as of the last lease cycle); safe to read from any thread.</summary>
    public IReadOnlySet<string> HeldShards => _heldShards;

    /// <summary>
    /// Stops every shard worker (each finishes its in-flight batch and writes its checkpoint), runs
    /// <paramref name="whileStopped"/>, and lets the control loop start the workers again; the leases stay held. The projection
    /// host changes the members of its read-model group this way, so a new worker reads the checkpoints of the new members.
    /// </summary>
    public async Task RestartWorkersAsync(Func<Task> whileStopped)
    {
        List<ShardWorker> stopping;
        lock (_workersLock)
        {
            _paused = true;
            stopping = [.. _workers.Values];
        }

        try
        {
            foreach (var worker in stopping)
            {
                worker.Stop(_options.ShutdownGracePeriod);
            }

            await Task.WhenAll(stopping.Select(w => w.Completion));
            await whileStopped();
        }
        finally
        {
            lock (_workersLock)
            {
                _paused = false;
            }

            // Start the workers now rather than at the next lease cycle.
            Volatile.Read(ref _wake).TrySetResult();
        }
    }

    /// <summary>Whether this host holds the lease of every shard that is not finished (as of the last lease table read).</summary>
    public bool OwnsEveryOpenShard()
    {
        var leases = _coordinator.Snapshot;
        return leases.Count > 0 && leases.Where(l => !l.IsShardEnded).All(l => l.Owner == _options.OwnerId);
    }

    /// <summary>A snapshot of shards, owners, checkpoints and lag for this subscription as seen from this host.</summary>
    public SubscriptionStatus GetStatus()
    {
        var progress = _progress;
        var leases = _coordinator.Snapshot;
        var shards = new List<ShardStatus>();
        foreach (var lease in leases.OrderBy(l => l.ShardId, StringComparer.Ordinal))
        {
            if (progress.TryGetValue(lease.ShardId, out var p) && lease.Owner == _options.OwnerId && p.State != ShardState.Stopped)
            {
                shards.Add(new ShardStatus(lease.ShardId, lease.ParentShardId, lease.Owner, p.Checkpoint ?? lease.Checkpoint, p.LagMilliseconds, p.State.ToString(), p.RecordsProcessed));
            }
            else
            {
                var state = lease.IsShardEnded ? "Ended" : lease.Owner is null ? "Unowned" : "Leased";
                shards.Add(new ShardStatus(lease.ShardId, lease.ParentShardId, lease.Owner, lease.Checkpoint, null, state, null));
            }
        }

        return new SubscriptionStatus(
            _options.Name,
            _streamArn,
            _options.OwnerId,
            _state,
            Interlocked.Read(ref _retiredRecords) + progress.Values.Sum(p => p.RecordsProcessed),
            Volatile.Read(ref _deadLetterCount),
            progress.Values.Where(p => p.State == ShardState.Processing).Select(p => p.LagMilliseconds).DefaultIfEmpty(0).Max(),
            shards);
    }

    private async Task RunAsync(CancellationToken stopping)
    {
        var initFailures = 0;
        var nextDiscovery = 0L;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                if (_context is null)
                {
                    try
                    {
                        _context = await InitializeAsync(stopping);
                        nextDiscovery = 0;
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
                    {
                        initFailures++;
                        _state = "Degraded";
                        var delay = _backoff.Delay(initFailures) + _options.EffectiveRenewInterval;
                        _logger.LogError(ex, "Subscription {Subscription} could not start (attempt {Failures}); retrying in {Delay}", Name, initFailures, delay);
                        await Task.Delay(delay, _time, stopping);
                        continue;
                    }
                }

                // Each step is isolated: a failing lease table or stream must never stop renewals (or the detection of lost leases).
                var healthy = await StepAsync("renew leases", RenewAsync, stopping);
                if (_time.GetTimestamp() >= nextDiscovery)
                {
                    if (await StepAsync("discover shards", DiscoverAsync, stopping))
                    {
                        nextDiscovery = _time.GetTimestamp() + (long)(_options.ShardDiscoveryInterval.TotalSeconds * _time.TimestampFrequency);
                    }
                    else
                    {
                        healthy = false;
                    }
                }

                healthy &= await StepAsync("take leases", ct => _coordinator.TakeAsync(ct, _options.MayLease), stopping);
                var shardEnded = false;
                healthy &= await StepAsync("reap workers", async ct => shardEnded = await ReapWorkersAsync(ct), stopping);
                if (shardEnded)
                {
                    nextDiscovery = 0; // a shard ended: look for its children now
                }

                healthy &= await StepAsync("shed leases", ShedLeasesAsync, stopping);
                StartWorkers();
                _heldShards = _coordinator.Held.Select(l => l.ShardId).ToHashSet(StringComparer.Ordinal);
                healthy &= await StepAsync("count dead letters", ct => RefreshDeadLetterCountAsync(force: false, ct), stopping);
                _state = healthy ? "Running" : "Degraded";
                var wake = Volatile.Read(ref _wake).Task;
                await Task.WhenAny(Task.Delay(_options.EffectiveRenewInterval, _time, stopping), wake);
                stopping.ThrowIfCancellationRequested();
                if (wake.IsCompleted)
                {
                    Volatile.Write(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                break;
            }
        }

        await ShutdownAsync();
    }

    private async Task<bool> StepAsync(string step, Func<CancellationToken, Task> action, CancellationToken stopping)
    {
        try
        {
            await action(stopping);
            return true;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            _logger.LogWarning(ex, "Subscription {Subscription}: {Step} failed; trying again next cycle", Name, step);
            return false;
        }
    }

    private async Task RenewAsync(CancellationToken cancellationToken)
    {
        foreach (var lost in await _coordinator.RenewAsync(cancellationToken))
        {
            if (_workers.TryGetValue(lost, out var worker))
            {
                worker.Abort();
            }
        }
    }

    private async Task<ShardWorkerContext> InitializeAsync(CancellationToken cancellationToken)
    {
        if (_options.CreateTablesIfMissing)
        {
            await _leaseStore.EnsureTableAsync(cancellationToken);
            await _deadLetters.EnsureTableAsync(cancellationToken);
        }

        _streamArn = await _discovery.ResolveStreamArnAsync(_options.StreamArn, _options.TableName, cancellationToken);
        var found = await _discovery.ListShardsAsync(_streamArn, cancellationToken);
        var partitionKey = _options.PartitionKeySelector ?? PartitionKeys.FromKeySchema(found.KeySchema);
        var executor = new BatchExecutor(_processor, _parker, _options, _backoff, _time, _logger, _metrics);
        var dispatcher = new BatchDispatcher(executor, _options.ParallelizationFactor, partitionKey);
        var gate = new ParentShardGate(_checkpoints, _options.Name, parent => _knownShards.Contains(parent));
        _logger.LogInformation("Subscription {Subscription} (owner {Owner}) reads stream {StreamArn}", Name, _options.OwnerId, _streamArn);
        await RefreshDeadLetterCountAsync(force: true, cancellationToken);
        return new ShardWorkerContext(_options, _streams, _streamArn, _checkpoints, gate, dispatcher, _backoff, _time, _logger, _metrics);
    }

    private async Task DiscoverAsync(CancellationToken cancellationToken)
    {
        var found = await _discovery.ListShardsAsync(_streamArn!, cancellationToken);
        _knownShards = found.Shards.Select(s => s.ShardId).ToHashSet(StringComparer.Ordinal);
        await _coordinator.SyncShardsAsync(found.Shards, cancellationToken);
        await RefreshDeadLetterCountAsync(force: true, cancellationToken);
    }

    /// <summary>Handles finished workers. True when a shard ended.</summary>
    private async Task<bool> ReapWorkersAsync(CancellationToken cancellationToken)
    {
        var anyEnded = false;
        foreach (var (shardId, worker) in _workers.Where(w => w.Value.Completion.IsCompleted).ToList())
        {
            _workers.TryRemove(shardId, out _);
            Retire(worker.Progress);
            var outcome = await worker.Completion;
            switch (outcome)
            {
                case ShardWorkerOutcome.Ended:
                    anyEnded = true;
                    _failures.Remove(shardId);
                    await _coordinator.CompleteShardAsync(shardId, cancellationToken);
                    break;
                case ShardWorkerOutcome.Gone when !_knownShards.Contains(shardId):
                    _logger.LogError(
                        "DATA LOSS: shard {ShardId} ({Subscription}) left the stream before it was read to its end; marking it finished",
                        shardId, Name);
                    await _checkpoints.MarkShardEndAsync(_options.Name, shardId, cancellationToken);
                    await _coordinator.CompleteShardAsync(shardId, cancellationToken);
                    anyEnded = true;
                    break;
                case ShardWorkerOutcome.Stopped:
                    break;
                default:
                    var failures = _failures[shardId] = _failures.GetValueOrDefault(shardId) + 1;
                    var delay = _backoff.Delay(failures);
                    _restartAfter[shardId] = _time.GetTimestamp() + (long)(delay.TotalSeconds * _time.TimestampFrequency);
                    _logger.LogWarning("Restarting worker for shard {ShardId} ({Subscription}) in {Delay}", shardId, Name, delay);
                    break;
            }
        }

        return anyEnded;
    }

    /// <summary>Gives up held leases of shards this host may no longer lease (<see cref="StreamSubscriptionOptions.MayLease"/>): stops their worker first, releases once it has stopped.</summary>
    private async Task ShedLeasesAsync(CancellationToken cancellationToken)
    {
        if (_options.MayLease is not { } mayLease)
        {
            return;
        }

        foreach (var lease in _coordinator.Held.Where(l => !mayLease(l.ShardId)).ToList())
        {
            if (_workers.TryGetValue(lease.ShardId, out var worker))
            {
                worker.Stop(_options.ShutdownGracePeriod);
                continue; // released once reaped (next cycle)
            }

            await _coordinator.ReleaseAsync(lease.ShardId, cancellationToken);
        }
    }

    private void StartWorkers()
    {
        lock (_workersLock)
        {
            if (!_paused)
            {
                StartWorkersLocked();
            }
        }
    }

    private void StartWorkersLocked()
    {
        foreach (var lease in _coordinator.Held)
        {
            if (_workers.ContainsKey(lease.ShardId)
                || _options.MayLease?.Invoke(lease.ShardId) == false
                || (_restartAfter.TryGetValue(lease.ShardId, out var after) && _time.GetTimestamp() < after))
            {
                continue;
            }

            _restartAfter.Remove(lease.ShardId);
            var progress = new ShardProgress(Name, lease.ShardId, lease.ParentShardId, _time);
            var worker = new ShardWorker(_context!, lease, progress);
            _workers[lease.ShardId] = worker;
            _metrics.Track(progress);
            _progress = new Dictionary<string, ShardProgress>(_progress, StringComparer.Ordinal) { [lease.ShardId] = progress };
            worker.Start();
        }
    }

    private void Retire(ShardProgress progress)
    {
        _metrics.Untrack(progress);
        Interlocked.Add(ref _retiredRecords, progress.RecordsProcessed);
        var remaining = new Dictionary<string, ShardProgress>(_progress, StringComparer.Ordinal);
        if (remaining.TryGetValue(progress.ShardId, out var current) && ReferenceEquals(current, progress))
        {
            if (progress.State == ShardState.Ended)
            {
                // Keep finished shards visible, but with their count moved to the retired total.
                remaining[progress.ShardId] = new ShardProgress(Name, progress.ShardId, progress.ParentShardId, _time);
                remaining[progress.ShardId].Checkpointed(Checkpoint.ShardEnd);
                remaining[progress.ShardId].SetState(ShardState.Ended);
            }
            else
            {
                remaining.Remove(progress.ShardId);
            }
        }

        _progress = remaining;
    }

    private async Task RefreshDeadLetterCountAsync(bool force, CancellationToken cancellationToken)
    {
        var parked = _parker.Parked;
        if (!force && parked == _deadLettersSeen)
        {
            return;
        }

        _deadLettersSeen = parked;
        Volatile.Write(ref _deadLetterCount, await _deadLetters.CountAsync(_options.Name, cancellationToken));
    }

    private void AbortWorkers()
    {
        foreach (var worker in _workers.Values.ToList())
        {
            worker.Abort();
        }
    }

    private async Task ShutdownAsync()
    {
        foreach (var worker in _workers.Values)
        {
            worker.Stop(_options.ShutdownGracePeriod);
        }

        var all = Task.WhenAll(_workers.Values.Select(w => w.Completion));
        while (!all.IsCompleted)
        {
            // Keep the leases alive while in-flight batches finish.
            await Task.WhenAny(all, Task.Delay(_options.EffectiveRenewInterval, _time));
            if (!all.IsCompleted)
            {
                await RenewQuietlyAsync();
            }
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await ReapWorkersAsync(timeout.Token);
            _heldShards = new HashSet<string>();
            await _coordinator.ReleaseAllAsync(timeout.Token);
        }
        catch (Exception ex)
        {
            _logger.LogWarning(ex, "Subscription {Subscription} could not release all leases on shutdown; they will expire", Name);
        }

        _logger.LogInformation("Subscription {Subscription} (owner {Owner}) stopped", Name, _options.OwnerId);
    }

    private async Task RenewQuietlyAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await RenewAsync(timeout.Token);
        }
        catch (Exception ex)
        {
            _logger.LogDebug(ex, "Lease renewal during shutdown failed");
        }
    }
}
