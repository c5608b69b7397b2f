using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using EventLedger.Archive.Configuration;
using EventLedger.Archive.Format;
using EventLedger.Archive.Reading;
using EventLedger.Archive.Targets;
using EventLedger.EventStore.Events;
using EventLedger.Projections.Contracts;
using EventLedger.Streams.Checkpoints;
using Microsoft.Extensions.Logging;

namespace EventLedger.Archive.Writing;

/// <summary>
/// The archive's projection: buffers each shard's events like Firehose (until <see cref="ArchiveSettings.BufferSizeBytes"/>
/// or <see cref="ArchiveSettings.BufferInterval"/>), then stores them as one Parquet object and commits the shard's position
/// to the object's last sequence number (<see cref="ArchiveCommitLog"/>). The host reads positions from here and never writes
/// them, so after a crash a shard is delivered again from its last stored object: the buffer is rebuilt and stored under the
/// same <c>from</c>; a crash between storing an object and committing it is settled by adopting the object.
/// </summary>
internal sealed partial class ArchiveWriter : IProjection, IBufferedPositions, IAsyncDisposable
{
    private const int MaxStoreAttempts = 8;

    private readonly ArchiveSettings _settings;
    private readonly IArchiveTarget _target;
    private readonly ArchiveManifest _manifest;
    private readonly ArchiveCommitLog _log;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<(string Subscription, string Shard), ShardBuffer> _buffers = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _intervalFlusher;

    public ArchiveWriter(string name, int schemaVersion, ArchiveSettings settings, IArchiveTarget target, ArchiveCommitLog log, TimeProvider time, ILogger logger)
    {
        (Name, SchemaVersion, _settings, _target, _log, _time, _logger) = (name, schemaVersion, settings, target, log, time, logger);
        _manifest = new ArchiveManifest(target);
        _intervalFlusher = Task.Run(() => FlushOnIntervalAsync(_stopping.Token));
    }

    public string Name { get; }

    public int SchemaVersion { get; }

    public async ValueTask ApplyAsync(ProjectionBatch batch, CancellationToken cancellationToken)
    {
        if (batch.Position is not { } position)
        {
            // A dead-letter retry: the record's place in the stream has long been passed, so it is stored on its own.
            await StoreRetryAsync(batch.Events, cancellationToken);
            return;
        }

        var buffer = BufferOf(position.Subscription, position.ShardId);
        await buffer.Gate.WaitAsync(cancellationToken);
        try
        {
            var before = buffer.Events.Count;
            buffer.Append(batch.Events, position.SequenceNumber, _time.GetTimestamp());
            ArchiveMetrics.Buffered(buffer.Events.Count - before);
            if (IsDue(buffer))
            {
                // A failure leaves the batch in the buffer; the host delivers it again and the buffer skips what it has.
                await StoreAsync(buffer, cancellationToken);
            }
        }
        finally
        {
            buffer.Gate.Release();
        }
    }

    public async Task<string?> GetAsync(string subscription, string shardId, CancellationToken cancellationToken)
    {
        var state = await _log.ReadAsync(subscription, shardId, cancellationToken);
        var buffer = BufferOf(subscription, shardId);
        await buffer.Gate.WaitAsync(cancellationToken);
        try
        {
            // A worker starts the shard here: an empty buffer continues after the stored position. (A buffer that holds
            // events keeps its own; whatever of it was stored meanwhile by another writer is dropped when it is stored.)
            if (buffer.Events.Count == 0 && buffer.Last is null)
            {
                buffer.After = state.Checkpoint ?? ArchiveLayout.ShardStart;
            }
        }
        finally
        {
            buffer.Gate.Release();
        }

        return state.Checkpoint;
    }

    public async Task EndShardAsync(string subscription, string shardId, CancellationToken cancellationToken)
    {
        var buffer = BufferOf(subscription, shardId);
        await buffer.Gate.WaitAsync(cancellationToken);
        try
        {
            if (buffer.Events.Count > 0)
            {
                await StoreAsync(buffer, cancellationToken);
            }

            for (var attempt = 1; attempt <= MaxStoreAttempts; attempt++)
            {
                var state = await _log.ReadAsync(subscription, shardId, cancellationToken);
                if (Checkpoint.IsShardEnd(state.Checkpoint))
                {
                    return;
                }

                if (state.PendingEntry is { } pending)
                {
                    await SettleAsync(buffer, pending, cancellationToken);
                    continue;
                }

                if (await _log.EndShardAsync(subscription, shardId, state.Checkpoint, cancellationToken))
                {
                    LogShardEnded(_logger, shardId);
                    buffer.Reset(Checkpoint.ShardEnd);
                    return;
                }
            }

            throw new StoreUnavailableException($"The archive could not record the end of shard {shardId}: its position kept changing.");
        }
        finally
        {
            buffer.Gate.Release();
        }
    }

    /// <summary>Stores what every shard holds now (tests and an orderly stop use it; the host never needs it).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        foreach (var buffer in _buffers.Values)
        {
            await buffer.Gate.WaitAsync(cancellationToken);
            try
            {
                if (buffer.Events.Count > 0)
                {
                    await StoreAsync(buffer, cancellationToken);
                }
            }
            finally
            {
                buffer.Gate.Release();
            }
        }
    }

    /// <summary>Events delivered and not stored yet, over all shards.</summary>
    public int BufferedEvents => _buffers.Values.Sum(b => b.Events.Count);

    private ShardBuffer BufferOf(string subscription, string shardId) =>
        _buffers.GetOrAdd((subscription, shardId), static key => new ShardBuffer(key.Subscription, key.Shard));

    // Read without the buffer's gate by the interval flusher (then again under it), so a store on the batch path may empty
    // the buffer in between: a buffer without an opening time is not due.
    private bool IsDue(ShardBuffer buffer) =>
        buffer.OpenedAt is { } openedAt && buffer.Events.Count > 0 &&
        (buffer.Bytes >= _settings.BufferSizeBytes || _time.GetElapsedTime(openedAt) >= _settings.BufferInterval);

    /// <summary>
    /// Stores the buffer as one object and commits the shard's position to its end (the caller holds the buffer's gate).
    /// Another writer's claim is settled first; objects another writer committed meanwhile are dropped from the buffer.
    /// </summary>
    private async Task StoreAsync(ShardBuffer buffer, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        for (var attempt = 1; attempt <= MaxStoreAttempts; attempt++)
        {
            var state = await ReadStateAsync(buffer, ct);
            if (state.PendingEntry is { } pending)
            {
                await SettleAsync(buffer, pending, ct);
                continue;
            }

            if (Checkpoint.IsShardEnd(state.Checkpoint))
            {
                // Finished by another writer: whatever this buffer holds is stored already.
                ArchiveMetrics.Buffered(-buffer.Events.Count);
                buffer.Reset(Checkpoint.ShardEnd);
                return;
            }

            var committed = state.Checkpoint ?? ArchiveLayout.ShardStart;
            buffer.After ??= committed;
            if (committed != buffer.After)
            {
                await DropStoredElsewhereAsync(buffer, committed, ct);
            }

            if (buffer.Events.Count == 0 || buffer.Last is null || ArchiveLayout.Compare(buffer.Last, committed) <= 0)
            {
                ArchiveMetrics.Buffered(-buffer.Events.Count);
                buffer.Stored(committed);
                return;
            }

            var events = buffer.Events;
            var bytes = await EncodeAsync(events, ct);
            var entry = new ManifestEntry(
                ArchiveLayout.DataKey(buffer.ShardId, buffer.After, buffer.Last, events[0].RecordedAt),
                Convert.ToHexStringLower(SHA256.HashData(bytes)),
                bytes.Length,
                events.Count,
                buffer.ShardId,
                buffer.After,
                buffer.Last,
                events.Min(e => e.RecordedAt),
                events.Max(e => e.RecordedAt),
                ArchiveSchema.Version,
                _time.GetUtcNow());
            var claim = entry.ToJson();
            if (!await StorageAsync(() => _log.ClaimAsync(buffer.Subscription, buffer.ShardId, state.Checkpoint, claim, ct), "claim the next object", buffer))
            {
                ArchiveMetrics.Conflicts.Add(1);
                continue;
            }

            await StorageAsync(() => _target.PutAsync(entry.Key, bytes, retain: true, ct), $"store {entry.Key}", buffer);
            await StorageAsync(() => _manifest.PutAsync(entry, ct), $"store the manifest entry of {entry.Key}", buffer);
            if (!await StorageAsync(() => _log.CommitAsync(buffer.Subscription, buffer.ShardId, claim, entry.To!, ct), "commit", buffer))
            {
                ArchiveMetrics.Conflicts.Add(1);
                var now = await ReadStateAsync(buffer, ct);
                if (now.Checkpoint != entry.To)
                {
                    // Our claim was withdrawn by a writer that saw no object yet (this one stalled between claim and put).
                    // The object is not committed; the next attempt stores the buffer afresh after whatever was committed.
                    LogClaimLost(_logger, entry.Key, buffer.ShardId, now.Checkpoint);
                    continue;
                }
            }

            var count = events.Count;
            ArchiveMetrics.Buffered(-count);
            buffer.Stored(entry.To!);
            ArchiveMetrics.ObjectsStored.Add(1);
            ArchiveMetrics.EventsStored.Add(count);
            ArchiveMetrics.BytesStored.Add(bytes.Length);
            ArchiveMetrics.StoreDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            LogStored(_logger, entry.Key, count, bytes.Length, buffer.ShardId, entry.To!);
            return;
        }

        throw new StoreUnavailableException($"The archive could not store shard {buffer.ShardId}'s buffer in {MaxStoreAttempts} attempts: other writers kept moving its position.");
    }

    /// <summary>
    /// A claim found on the shard: its object exists (a put is atomic, so it is complete), so it is committed as it is; or it
    /// does not, and the claim is withdrawn (its writer crashed before the put, or stalls; its commit will then fail).
    /// </summary>
    private async Task SettleAsync(ShardBuffer buffer, string pending, CancellationToken ct)
    {
        var entry = ManifestEntry.Parse(pending);
        if (await StorageAsync(() => _target.ExistsAsync(entry.Key, ct), $"look for {entry.Key}", buffer))
        {
            await StorageAsync(() => _manifest.PutAsync(entry, ct), $"store the manifest entry of {entry.Key}", buffer);
            if (await StorageAsync(() => _log.CommitAsync(buffer.Subscription, buffer.ShardId, pending, entry.To!, ct), "commit", buffer))
            {
                LogAdopted(_logger, entry.Key, buffer.ShardId);
            }
        }
        else if (await StorageAsync(() => _log.WithdrawAsync(buffer.Subscription, buffer.ShardId, pending, ct), "withdraw a claim", buffer))
        {
            LogWithdrawn(_logger, entry.Key, buffer.ShardId);
        }
    }

    /// <summary>
    /// The shard's position moved past where this buffer continues: another writer (a host that held the lease meanwhile)
    /// stored objects from there. Their events are dropped from the buffer, which then continues after them.
    /// </summary>
    private async Task DropStoredElsewhereAsync(ShardBuffer buffer, string committed, CancellationToken ct)
    {
        if (ArchiveLayout.Compare(committed, buffer.After!) < 0)
        {
            throw new StoreUnavailableException(
                $"The archive's position of shard {buffer.ShardId} went back from {buffer.After} to {committed}; was the lease table reset? Nothing is stored until it is resolved.");
        }

        var stored = new HashSet<(string, long)>();
        var objects = 0;
        await foreach (var entry in _manifest.ListShardAsync(buffer.ShardId, buffer.After!, ct))
        {
            if (entry.To is null || ArchiveLayout.Compare(entry.To, committed) > 0)
            {
                break;
            }

            var bytes = await StorageAsync(() => _target.GetAsync(entry.Key, ct), $"read {entry.Key}", buffer)
                ?? throw new StoreUnavailableException($"The archive's object {entry.Key} is committed but missing.");
            using var stream = new MemoryStream(bytes);
            stored.UnionWith(await ArchiveParquet.ReadKeysAsync(stream, ct));
            objects++;
        }

        var before = buffer.Events.Count;
        buffer.Remove(stored);
        ArchiveMetrics.Buffered(buffer.Events.Count - before);
        LogDroppedStoredElsewhere(_logger, before - buffer.Events.Count, objects, buffer.ShardId, buffer.After!, committed);
        buffer.After = committed;
    }

    private async Task StoreRetryAsync(IReadOnlyList<StoredEvent> events, CancellationToken ct)
    {
        if (events.Count == 0)
        {
            return;
        }

        var bytes = await EncodeAsync(events, ct);
        var first = events[0];
        var entry = new ManifestEntry(
            ArchiveLayout.RetryDataKey(first.StreamId, first.Version, first.EventId, first.RecordedAt),
            Convert.ToHexStringLower(SHA256.HashData(bytes)),
            bytes.Length,
            events.Count,
            ArchiveLayout.RetryShard,
            null,
            null,
            events.Min(e => e.RecordedAt),
            events.Max(e => e.RecordedAt),
            ArchiveSchema.Version,
            _time.GetUtcNow());
        await StorageAsync(() => _target.PutAsync(entry.Key, bytes, retain: true, ct), $"store {entry.Key}", null);
        await StorageAsync(() => _manifest.PutAsync(entry, ct), $"store the manifest entry of {entry.Key}", null);
        LogStored(_logger, entry.Key, events.Count, bytes.Length, ArchiveLayout.RetryShard, "-");
    }

    private Task<byte[]> EncodeAsync(IReadOnlyList<StoredEvent> events, CancellationToken ct) =>
        ArchiveParquet.WriteAsync(events, _settings.Compression, ct);

    private Task<ArchiveCommitLog.ShardState> ReadStateAsync(ShardBuffer buffer, CancellationToken ct) =>
        StorageAsync(() => _log.ReadAsync(buffer.Subscription, buffer.ShardId, ct), "read the shard's position", buffer);

    /// <summary>
    /// A failure of the target or the lease table means the archive cannot store now, never that a record is bad: it becomes
    /// <see cref="StoreUnavailableException"/>, on which the host pauses the shard and delivers the same batch again.
    /// </summary>
    private async Task<T> StorageAsync<T>(Func<Task<T>> action, string what, ShardBuffer? buffer)
    {
        try
        {
            return await action();
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not StoreUnavailableException)
        {
            throw new StoreUnavailableException($"The archive ({_target.Location}) could not {what}" +
                (buffer is null ? "" : $" for shard {buffer.ShardId}") + $": {ex.Message}", ex);
        }
    }

    private Task StorageAsync(Func<Task> action, string what, ShardBuffer? buffer) =>
        StorageAsync(async () => { await action(); return true; }, what, buffer);

    /// <summary>Stores buffers that reached their interval while no batch arrived (a quiet shard).</summary>
    private async Task FlushOnIntervalAsync(CancellationToken stopping)
    {
        var tick = TimeSpan.FromMilliseconds(Math.Clamp(_settings.BufferInterval.TotalMilliseconds / 4, 50, 1000));
        while (!stopping.IsCancellationRequested)
        {
            await Task.Delay(tick, _time, stopping).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            foreach (var buffer in _buffers.Values)
            {
                if (stopping.IsCancellationRequested || !IsDue(buffer) || !await buffer.Gate.WaitAsync(0, CancellationToken.None))
                {
                    continue;
                }

                try
                {
                    if (IsDue(buffer))
                    {
                        await StoreAsync(buffer, stopping);
                    }
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    // The next batch or tick tries again; the events stay buffered (and are delivered again after a crash).
                    LogIntervalStoreFailed(_logger, ex, buffer.ShardId);
                }
                finally
                {
                    buffer.Gate.Release();
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _intervalFlusher;
        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Archive stored {Key}: {Events} events, {Bytes} bytes (shard {ShardId} up to {To})")]
    private static partial void LogStored(ILogger logger, string key, int events, long bytes, string shardId, string to);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Archive adopted {Key} of shard {ShardId}: its writer stored it but did not commit it")]
    private static partial void LogAdopted(ILogger logger, string key, string shardId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Archive withdrew the claim on {Key} of shard {ShardId}: its object was never stored")]
    private static partial void LogWithdrawn(ILogger logger, string key, string shardId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Archive lost its claim on {Key} of shard {ShardId} (position now {Checkpoint}); storing the buffer again")]
    private static partial void LogClaimLost(ILogger logger, string key, string shardId, string? checkpoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Archive dropped {Events} buffered events of shard {ShardId} found in {Objects} objects stored by another writer ({From} to {To})")]
    private static partial void LogDroppedStoredElsewhere(ILogger logger, int events, int objects, string shardId, string from, string to);

    [LoggerMessage(Level = LogLevel.Information, Message = "Archive recorded the end of shard {ShardId}")]
    private static partial void LogShardEnded(ILogger logger, string shardId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Archive could not store shard {ShardId}'s buffer on its interval; the next batch or tick tries again")]
    private static partial void LogIntervalStoreFailed(ILogger logger, Exception ex, string shardId);
}
