using System.Diagnostics;
using EventLedger.Streams.Client.Model;
using EventLedger.Streams.DeadLetters;
using EventLedger.Streams.Metrics;
using Microsoft.Extensions.Logging;

namespace EventLedger.Streams.Reader;

/// <summary>
/// Runs the processor on one ordered run of records until every record is either applied or parked:
/// on failure it bisects (when enabled) down to single records, retries with backoff up to MaximumRetryAttempts,
/// parks what still fails in the dead-letter store, and parks records that outlive MaximumRecordAge.
/// Cancellation of the processing token abandons the run (nothing is parked; the caller does not checkpoint).
/// </summary>
internal sealed class BatchExecutor(
    IStreamBatchProcessor processor,
    DeadLetterParker parker,
    StreamSubscriptionOptions options,
    Backoff backoff,
    TimeProvider time,
    ILogger logger,
    StreamsMetrics metrics)
{
    /// <param name="checkpointable">Whether each completed piece may carry its last sequence number as <see cref="StreamBatch.CheckpointSequenceNumber"/>.</param>
    public Task ExecuteAsync(string shardId, IReadOnlyList<Record> records, bool checkpointable, ShardProgress progress, CancellationToken cancellationToken) =>
        RunAsync(shardId, records, checkpointable, progress, cancellationToken);

    private async Task RunAsync(string shardId, IReadOnlyList<Record> records, bool checkpointable, ShardProgress progress, CancellationToken cancellationToken)
    {
        var attempt = 0;
        var pauses = 0;
        while (true)
        {
            records = await ParkExpiredAsync(shardId, records, cancellationToken);
            if (records.Count == 0)
            {
                return;
            }

            attempt++;
            var batch = new StreamBatch(options.Name, shardId, records)
            {
                Attempt = attempt,
                CheckpointSequenceNumber = checkpointable ? records[^1].Dynamodb.SequenceNumber : null,
            };
            var started = Stopwatch.GetTimestamp();
            try
            {
                await processor.ProcessAsync(batch, cancellationToken);
                if (pauses > 0)
                {
                    logger.LogInformation("{Subscription} resumed on shard {ShardId} after {Pauses} paused attempts", options.Name, shardId, pauses);
                }

                var tags = new TagList { StreamsMetrics.Subscription(options.Name), StreamsMetrics.Shard(shardId) };
                metrics.RecordsProcessed.Add(records.Count, tags);
                metrics.Batches.Add(1, tags);
                metrics.BatchDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, tags);
                progress.Processed(records.Count, records[^1].Dynamodb.ApproximateCreationDateTime);
                return;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex) when (options.RestartsFromStoredCheckpoint?.Invoke(ex) == true)
            {
                // Not the records and not the store's availability: the position the worker reads from is wrong. The worker
                // restarts from the store's checkpoint (ShardWorker), which re-reads what the store lost.
                throw;
            }
            catch (Exception ex) when (options.IsTransientFailure?.Invoke(ex) == true)
            {
                // The store is unavailable, not the records bad: pause this shard and try the same batch again, indefinitely.
                attempt--;
                pauses++;
                metrics.Pauses.Add(1, StreamsMetrics.Subscription(options.Name), StreamsMetrics.Shard(shardId));
                var delay = backoff.Delay(Math.Min(pauses, 16));
                if (pauses == 1 || pauses % 10 == 0)
                {
                    logger.LogWarning("{Subscription} paused on shard {ShardId}: store unavailable ({Error}: {Message}); retry {Pause} in {Delay}",
                        options.Name, shardId, ex.GetType().Name, ex.Message, pauses, delay);
                }

                await Task.Delay(delay, time, cancellationToken);
            }
            catch (Exception ex)
            {
                metrics.Retries.Add(1, StreamsMetrics.Subscription(options.Name), StreamsMetrics.Shard(shardId));
                if (options.BisectBatchOnFunctionError && records.Count > 1)
                {
                    logger.LogWarning(ex, "Processor failed on {Count} records of shard {ShardId} ({Subscription}) from {First}; bisecting",
                        records.Count, shardId, options.Name, records[0].Dynamodb.SequenceNumber);
                    await backoff.WaitAsync(1, time, cancellationToken);
                    var half = records.Count / 2;
                    await RunAsync(shardId, Slice(records, 0, half), checkpointable, progress, cancellationToken);
                    await RunAsync(shardId, Slice(records, half, records.Count - half), checkpointable, progress, cancellationToken);
                    return;
                }

                if (options.MaximumRetryAttempts >= 0 && attempt > options.MaximumRetryAttempts)
                {
                    logger.LogError(ex, "Processor failed {Attempts} times on {Count} records of shard {ShardId} ({Subscription}) from {First}; parking them",
                        attempt, records.Count, shardId, options.Name, records[0].Dynamodb.SequenceNumber);
                    await parker.ParkAsync(shardId, records, DeadLetterReason.Failed, ex, attempt, cancellationToken);
                    return;
                }

                var delay = backoff.Delay(attempt);
                logger.LogWarning(ex, "Processor failed (attempt {Attempt}) on {Count} records of shard {ShardId} ({Subscription}); retrying in {Delay}",
                    attempt, records.Count, shardId, options.Name, delay);
                await Task.Delay(delay, time, cancellationToken);
            }
        }
    }

    private async Task<IReadOnlyList<Record>> ParkExpiredAsync(string shardId, IReadOnlyList<Record> records, CancellationToken cancellationToken)
    {
        if (options.MaximumRecordAge is not { } maxAge)
        {
            return records;
        }

        var oldest = time.GetUtcNow().UtcDateTime - maxAge;
        static bool IsExpired(Record record, DateTime oldest) => record.Dynamodb.ApproximateCreationDateTime is { } created && created < oldest;
        if (!records.Any(r => IsExpired(r, oldest)))
        {
            return records;
        }

        var expired = records.Where(r => IsExpired(r, oldest)).ToList();
        logger.LogWarning("Parking {Count} records of shard {ShardId} ({Subscription}) older than {MaximumRecordAge}", expired.Count, shardId, options.Name, maxAge);
        await parker.ParkAsync(shardId, expired, DeadLetterReason.Expired, error: null, attempts: 0, cancellationToken);
        return records.Where(r => !IsExpired(r, oldest)).ToList();
    }

    private static List<Record> Slice(IReadOnlyList<Record> records, int start, int count)
    {
        var slice = new List<Record>(count);
        for (var i = start; i < start + count; i++)
        {
            slice.Add(records[i]);
        }

        return slice;
    }
}
