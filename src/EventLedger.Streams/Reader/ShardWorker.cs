using System.Diagnostics;
using EventLedger.Streams.Checkpoints;
using EventLedger.Streams.Client;
using EventLedger.Streams.Client.Model;
using EventLedger.Streams.Leases;
using EventLedger.Streams.Metrics;
using Microsoft.Extensions.Logging;

namespace EventLedger.Streams.Reader;

/// <summary>How a shard worker finished.</summary>
internal enum ShardWorkerOutcome
{
    /// <summary>The shard is closed and fully processed (SHARD_END checkpointed).</summary>
    Ended,

    /// <summary>Stopped on request (shutdown or lost lease).</summary>
    Stopped,

    /// <summary>The shard no longer exists in the stream.</summary>
    Gone,

    Failed,
}

/// <summary>
/// Reads and processes one leased shard: waits for its parent, starts after the checkpoint, gathers batches (BatchSize,
/// MaximumBatchingWindow, AdaptiveBatchingWindow, LoadedBatchInterval, PollInterval), reading the next batch while the
/// current one is dispatched (ReadAhead), and checkpoints at most once per CheckpointInterval, when it stops, and at the
/// shard's end.
/// <see cref="Stop"/> lets the in-flight batch finish within a grace period; <see cref="Abort"/> abandons it.
/// </summary>
internal sealed class ShardWorker
{
    private const int MaxRecordsPerRead = 1000;

    private readonly ShardWorkerContext _context;
    private readonly ShardReader _reader;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _abort = new();

    // The last finished batch's sequence number while its checkpoint is not written yet (CheckpointInterval), and when the
    // last checkpoint was written. Only the worker's own loop touches them.
    private string? _pendingCheckpoint;
    private long _lastCheckpointWrite;

    public ShardWorker(ShardWorkerContext context, Lease lease, ShardProgress progress)
    {
        _context = context;
        Lease = lease;
        Progress = progress;
        _reader = new ShardReader(context.Streams, context.StreamArn, context.Options.Name, lease.ShardId, context.Backoff, context.Time, context.Logger, context.Metrics);
    }

    public Lease Lease { get; }
    public string ShardId => Lease.ShardId;
    public ShardProgress Progress { get; }
    public Task<ShardWorkerOutcome> Completion { get; private set; } = Task.FromResult(ShardWorkerOutcome.Stopped);
    public Exception? Failure { get; private set; }

    public void Start() => Completion = Task.Run(RunAsync);

    /// <summary>Stops reading; the in-flight batch may finish within <paramref name="grace"/>, then it is abandoned.</summary>
    public void Stop(TimeSpan grace)
    {
        _stop.Cancel();
        _abort.CancelAfter(grace);
    }

    /// <summary>Stops at once and abandons the in-flight batch (lease lost).</summary>
    public void Abort()
    {
        _stop.Cancel();
        _abort.Cancel();
    }

    private async Task<ShardWorkerOutcome> RunAsync()
    {
        var options = _context.Options;
        var stop = _stop.Token;
        try
        {
            if (Lease.ParentShardId is not null)
            {
                Progress.SetState(ShardState.WaitingForParent);
                while (!await _context.ParentGate.IsOpenAsync(Lease.ParentShardId, stop))
                {
                    await Task.Delay(options.PollInterval * 4, _context.Time, stop);
                }
            }

            var checkpoint = await _context.Checkpoints.GetAsync(options.Name, ShardId, stop);
            if (Checkpoint.IsShardEnd(checkpoint))
            {
                Progress.Checkpointed(Checkpoint.ShardEnd);
                Progress.SetState(ShardState.Ended);
                return ShardWorkerOutcome.Ended;
            }

            if (checkpoint is not null)
            {
                Progress.Checkpointed(checkpoint);
            }

            // Children must be read from their start; only shards of a brand-new subscription honour InitialPosition.
            var initial = Lease.ParentShardId is null && options.InitialPosition == InitialPosition.Latest
                ? ShardIteratorType.LATEST
                : ShardIteratorType.TRIM_HORIZON;
            _reader.Start(checkpoint, initial);
            Progress.SetState(ShardState.Processing);
            _context.Logger.LogInformation("Reading shard {ShardId} ({Subscription}) from {Position}", ShardId, options.Name, checkpoint ?? initial.Value);

            _lastCheckpointWrite = _context.Time.GetTimestamp();
            Task<(List<Record> Batch, bool Ended)>? next = StartGatherAsync(stop, applying: null, paced: false);
            while (true)
            {
                await FlushWhileWaitingAsync(next!);
                var (batch, ended) = await next!;
                next = null;
                var applying = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                if (batch.Count > 0 && !ended && options.ReadAhead)
                {
                    // Read ahead: the next batch is gathered while this one is applied (one batch at most). Under load (this
                    // batch held more than one record but was not full) it is paced: see FillAsync.
                    next = StartGatherAsync(stop, applying.Task, paced: IsLoaded(batch.Count));
                }

                if (batch.Count > 0)
                {
                    try
                    {
                        await _context.Dispatcher.DispatchAsync(ShardId, batch, Progress, _abort.Token);
                    }
                    finally
                    {
                        applying.TrySetResult();
                    }

                    _pendingCheckpoint = batch[^1].Dynamodb.SequenceNumber;
                    if (CheckpointDue())
                    {
                        await SaveCheckpointAsync(_pendingCheckpoint);
                    }
                }

                if (ended)
                {
                    await _context.Checkpoints.MarkShardEndAsync(options.Name, ShardId, _abort.Token);
                    _pendingCheckpoint = null;
                    _context.Metrics.CheckpointWrites.Add(1, StreamsMetrics.Subscription(options.Name), StreamsMetrics.Shard(ShardId));
                    Progress.Checkpointed(Checkpoint.ShardEnd);
                    Progress.SetState(ShardState.Ended);
                    _context.Logger.LogInformation("Shard {ShardId} ({Subscription}) read to its end", ShardId, options.Name);
                    return ShardWorkerOutcome.Ended;
                }

                next ??= StartGatherAsync(stop, applying: null, paced: false);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            await FlushOnExitAsync();
            Progress.SetState(ShardState.Stopped);
            return ShardWorkerOutcome.Stopped;
        }
        catch (Exception ex) when (options.RestartsFromStoredCheckpoint?.Invoke(ex) == true)
        {
            // Reported as a failure so that the subscription starts the worker again (after its back-off), from the checkpoint
            // the store holds now; a warning, not an error: nothing is lost, the shard is read again from there.
            Failure = ex;
            await FlushOnExitAsync();
            Progress.SetState(ShardState.Failed);
            _context.Logger.LogWarning("Shard {ShardId} ({Subscription}) restarts from the checkpoint its store holds: {Reason}", ShardId, options.Name, ex.Message);
            return ShardWorkerOutcome.Failed;
        }
        catch (ResourceNotFoundException ex)
        {
            Failure = ex;
            await FlushOnExitAsync();
            Progress.SetState(ShardState.Failed);
            _context.Logger.LogWarning(ex, "Shard {ShardId} ({Subscription}) was not found in the stream", ShardId, options.Name);
            return ShardWorkerOutcome.Gone;
        }
        catch (Exception ex)
        {
            Failure = ex;
            await FlushOnExitAsync();
            Progress.SetState(ShardState.Failed);
            _context.Logger.LogError(ex, "Worker for shard {ShardId} ({Subscription}) failed", ShardId, options.Name);
            return ShardWorkerOutcome.Failed;
        }
    }

    /// <summary>Starts gathering the next batch; a read ahead that is never awaited (the worker stopped first) is observed here.</summary>
    private Task<(List<Record> Batch, bool Ended)> StartGatherAsync(CancellationToken stop, Task? applying, bool paced)
    {
        var gather = GatherAsync(stop, applying, paced);
        _ = gather.ContinueWith(static t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return gather;
    }

    /// <summary>
    /// Reads until the batch is full, the shard ends, or (with records in hand) the batching window has passed. With an
    /// adaptive window, a read ahead (<paramref name="applying"/>: the previous batch being applied) keeps reading while the
    /// previous batch is applied, up to the window; a <paramref name="paced"/> read ahead first waits out the loaded batch
    /// interval and the previous batch, then reads once.
    /// </summary>
    private async Task<(List<Record> Batch, bool Ended)> GatherAsync(CancellationToken stop, Task? applying, bool paced)
    {
        var (batch, ended, window) = await FillAsync(stop, applying, paced);
        if (batch.Count > 0)
        {
            var tags = new TagList { StreamsMetrics.Subscription(_context.Options.Name), StreamsMetrics.Shard(ShardId) };
            _context.Metrics.BatchingWindow.Record(window.TotalMilliseconds, tags);
            _context.Metrics.BatchRecords.Record(batch.Count, tags);
        }

        return (batch, ended);
    }

    /// <summary>
    /// Whether a batch of <paramref name="records"/> says the shard is under load, so that the next batch is paced: more
    /// than one record arrived while the batch before it was gathered, and it was not full (a full batch is catch-up, whose
    /// next batch is read at once). Needs <see cref="StreamSubscriptionOptions.LoadedBatchInterval"/> and the adaptive window.
    /// </summary>
    private bool IsLoaded(int records)
    {
        var options = _context.Options;
        return options.LoadedBatchInterval > TimeSpan.Zero && options.AdaptiveBatchingWindow > TimeSpan.Zero
            && records > 1 && records < options.BatchSize;
    }

    private async Task<(List<Record> Batch, bool Ended, TimeSpan Window)> FillAsync(CancellationToken stop, Task? applying, bool paced)
    {
        var options = _context.Options;
        var time = _context.Time;
        var batch = new List<Record>();
        long? windowStart = null;
        if (paced && applying is not null)
        {
            // Under load: this batch is not handed over sooner than the loaded interval after the previous one (which started
            // when this gather did), nor before the previous one is applied (it could not go earlier anyway), and no later than
            // the adaptive window. No reads while waiting: one read at the end takes everything that arrived meanwhile.
            windowStart = time.GetTimestamp();
            var interval = options.LoadedBatchInterval < options.AdaptiveBatchingWindow ? options.LoadedBatchInterval : options.AdaptiveBatchingWindow;
            await Task.Delay(interval, time, stop);
            var rest = options.AdaptiveBatchingWindow - time.GetElapsedTime(windowStart.Value);
            if (!applying.IsCompleted && rest > TimeSpan.Zero)
            {
                await Task.WhenAny(applying, Task.Delay(rest, time, stop));
                stop.ThrowIfCancellationRequested();
            }
        }

        while (true)
        {
            var limit = Math.Min(MaxRecordsPerRead, options.BatchSize - batch.Count);
            var read = await _reader.ReadAsync(limit, stop);
            Progress.Fetched(read.Records.Count + batch.Count, (batch.Count > 0 ? batch[0] : read.Records.FirstOrDefault())?.Dynamodb.ApproximateCreationDateTime);
            batch.AddRange(read.Records);
            if (read.ShardEnded || batch.Count >= options.BatchSize)
            {
                return (batch, read.ShardEnded, windowStart is { } started ? time.GetElapsedTime(started) : TimeSpan.Zero);
            }

            if (read.Records.Count == limit)
            {
                // More is waiting: keep filling the batch without delay.
                continue;
            }

            if (batch.Count == 0)
            {
                // Nothing came (also after a paced wait: the load is over): poll, and records go as soon as they come.
                windowStart = null;
                await Task.Delay(options.PollInterval, time, stop);
                continue;
            }

            windowStart ??= time.GetTimestamp();
            var adaptive = options.AdaptiveBatchingWindow - time.GetElapsedTime(windowStart.Value);
            if (applying is { IsCompleted: false } && adaptive > TimeSpan.Zero)
            {
                // The previous batch is still being applied: this one cannot go yet, so it may as well take what arrives.
                await Task.WhenAny(Task.Delay(adaptive < options.PollInterval ? adaptive : options.PollInterval, time, stop), applying);
                stop.ThrowIfCancellationRequested();
                if (!applying.IsCompleted)
                {
                    continue;
                }
            }

            var remaining = options.MaximumBatchingWindow - time.GetElapsedTime(windowStart.Value);
            if (remaining <= TimeSpan.Zero)
            {
                return (batch, false, time.GetElapsedTime(windowStart.Value));
            }

            await Task.Delay(remaining < options.PollInterval ? remaining : options.PollInterval, time, stop);
        }
    }

    private bool CheckpointDue() =>
        _context.Time.GetElapsedTime(_lastCheckpointWrite) >= _context.Options.CheckpointInterval;

    /// <summary>While the next batch is being gathered (an idle shard, or a read ahead), writes a held checkpoint once it is due.</summary>
    private async Task FlushWhileWaitingAsync(Task gather)
    {
        while (_pendingCheckpoint is { } pending && !gather.IsCompleted)
        {
            var wait = _context.Options.CheckpointInterval - _context.Time.GetElapsedTime(_lastCheckpointWrite);
            if (wait <= TimeSpan.Zero)
            {
                await SaveCheckpointAsync(pending);
                return;
            }

            // The delay is not cancelled on stop: the gather is, and that ends the wait.
            await Task.WhenAny(gather, Task.Delay(wait, _context.Time));
        }
    }

    /// <summary>
    /// On stop, lost lease or failure: writes the checkpoint of the batches that finished but were not checkpointed yet (one
    /// attempt, bounded). If it fails, those records are delivered again to the next owner, which is safe, only slower.
    /// </summary>
    private async Task FlushOnExitAsync()
    {
        if (_pendingCheckpoint is not { } pending)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _context.Checkpoints.SaveAsync(_context.Options.Name, ShardId, pending, timeout.Token);
            _context.Metrics.CheckpointWrites.Add(1, StreamsMetrics.Subscription(_context.Options.Name), StreamsMetrics.Shard(ShardId));
            Progress.Checkpointed(pending);
            _pendingCheckpoint = null;
        }
        catch (Exception ex)
        {
            _context.Logger.LogWarning(ex, "Could not write checkpoint {SequenceNumber} of shard {ShardId} ({Subscription}) on stop; the records after the previous checkpoint will be delivered again",
                pending, ShardId, _context.Options.Name);
        }
    }

    private async Task SaveCheckpointAsync(string sequenceNumber)
    {
        var failures = 0;
        while (true)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
                await _context.Checkpoints.SaveAsync(_context.Options.Name, ShardId, sequenceNumber, timeout.Token);
                _context.Metrics.CheckpointWrites.Add(1, StreamsMetrics.Subscription(_context.Options.Name), StreamsMetrics.Shard(ShardId));
                Progress.Checkpointed(sequenceNumber);
                _lastCheckpointWrite = _context.Time.GetTimestamp();
                if (_pendingCheckpoint == sequenceNumber)
                {
                    _pendingCheckpoint = null;
                }

                return;
            }
            catch (Exception ex) when (!_abort.IsCancellationRequested)
            {
                failures++;
                var delay = _context.Backoff.Delay(failures);
                _context.Logger.LogWarning(ex, "Could not save checkpoint {SequenceNumber} of shard {ShardId} ({Subscription}); retrying in {Delay}",
                    sequenceNumber, ShardId, _context.Options.Name, delay);
                await Task.Delay(delay, _context.Time, _abort.Token);
            }
        }
    }
}

/// <summary>What every shard worker of one subscription shares.</summary>
internal sealed record ShardWorkerContext(
    StreamSubscriptionOptions Options,
    IDynamoDbStreams Streams,
    string StreamArn,
    ICheckpointStore Checkpoints,
    ParentShardGate ParentGate,
    BatchDispatcher Dispatcher,
    Backoff Backoff,
    TimeProvider Time,
    ILogger Logger,
    StreamsMetrics Metrics);
