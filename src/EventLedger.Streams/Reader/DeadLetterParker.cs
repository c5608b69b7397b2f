using EventLedger.Streams.Client.Model;
using EventLedger.Streams.DeadLetters;
using EventLedger.Streams.Metrics;
using Microsoft.Extensions.Logging;

namespace EventLedger.Streams.Reader;

/// <summary>Writes given-up records to the dead-letter store, retrying the write with backoff until it is stored (a record is never skipped unparked).</summary>
internal sealed class DeadLetterParker(IDeadLetterStore store, string subscription, Backoff backoff, TimeProvider time, ILogger logger, StreamsMetrics metrics)
{
    private int _parked;

    /// <summary>Records parked by this process (the status adds them to the count last read from the store).</summary>
    public int Parked => Volatile.Read(ref _parked);

    public async Task ParkAsync(string shardId, IReadOnlyList<Record> records, string reason, Exception? error, int attempts, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var deadLetters = records.Select(r => new DeadLetter
        {
            Id = new DeadLetterId(subscription, shardId, r.Dynamodb.SequenceNumber),
            Record = r,
            Reason = reason,
            ErrorType = error?.GetType().FullName,
            ErrorMessage = error?.Message ?? (reason == DeadLetterReason.Expired ? "Older than MaximumRecordAge." : null),
            Attempts = attempts,
            FirstFailureAt = now,
            LastFailureAt = now,
        }).ToList();

        var failures = 0;
        while (true)
        {
            try
            {
                await store.ParkAsync(deadLetters, cancellationToken);
                break;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                failures++;
                var delay = backoff.Delay(failures);
                logger.LogError(ex, "Could not park {Count} records of shard {ShardId} ({Subscription}); retrying in {Delay}", records.Count, shardId, subscription, delay);
                await Task.Delay(delay, time, cancellationToken);
            }
        }

        Interlocked.Add(ref _parked, records.Count);
        metrics.DeadLetters.Add(records.Count, StreamsMetrics.Subscription(subscription), StreamsMetrics.Shard(shardId), new("reason", reason));
    }
}
