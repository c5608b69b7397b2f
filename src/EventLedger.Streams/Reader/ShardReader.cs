using EventLedger.Streams.Client;
using EventLedger.Streams.Client.Model;
using EventLedger.Streams.Metrics;
using Microsoft.Extensions.Logging;

namespace EventLedger.Streams.Reader;

/// <summary>
/// Reads one shard from a position, keeping the shard iterator. Recovers by itself: an expired iterator is re-acquired after the
/// last record returned (or from the start position); a trimmed position is logged loudly, counted and moved to TRIM_HORIZON;
/// throttling and transient errors are retried with backoff. Only <see cref="ResourceNotFoundException"/> and cancellation escape.
/// </summary>
internal sealed class ShardReader(
    IDynamoDbStreams streams,
    string streamArn,
    string subscription,
    string shardId,
    Backoff backoff,
    TimeProvider time,
    ILogger logger,
    StreamsMetrics metrics)
{
    private string? _iterator;
    private string? _startCheckpoint;
    private ShardIteratorType _startType = ShardIteratorType.TRIM_HORIZON;
    private string? _lastReturnedSequence;

    public sealed record ReadResult(IReadOnlyList<Record> Records, bool ShardEnded);

    /// <summary>Positions the reader after <paramref name="checkpoint"/>, or at <paramref name="initialPosition"/> when there is none.</summary>
    public void Start(string? checkpoint, ShardIteratorType initialPosition)
    {
        _startCheckpoint = checkpoint;
        _startType = checkpoint is null ? initialPosition : ShardIteratorType.AFTER_SEQUENCE_NUMBER;
        _lastReturnedSequence = null;
        _iterator = null;
    }

    public async Task<ReadResult> ReadAsync(int limit, CancellationToken cancellationToken)
    {
        var failures = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                _iterator ??= await AcquireAsync(cancellationToken);
                var response = await streams.GetRecordsAsync(new GetRecordsRequest { ShardIterator = _iterator, Limit = limit }, cancellationToken);
                _iterator = response.NextShardIterator;
                if (response.Records.Count > 0)
                {
                    _lastReturnedSequence = response.Records[^1].Dynamodb.SequenceNumber;
                }

                return new ReadResult(response.Records, ShardEnded: response.NextShardIterator is null);
            }
            catch (ExpiredIteratorException ex)
            {
                metrics.ExpiredIterators.Add(1, StreamsMetrics.Subscription(subscription), StreamsMetrics.Shard(shardId));
                logger.LogInformation("Shard iterator of {ShardId} ({Subscription}) expired ({Message}); re-acquiring after {Position}",
                    shardId, subscription, ex.Message, _lastReturnedSequence ?? _startCheckpoint ?? _startType.Value);
                _iterator = null;
            }
            catch (TrimmedDataAccessException ex) when (_startCheckpoint is null && _lastReturnedSequence is null && _startType == ShardIteratorType.TRIM_HORIZON)
            {
                // Reading from TRIM_HORIZON with nothing read yet loses nothing: DynamoDB Local answers this way for an iterator
                // taken on a shard that was still empty. Take a fresh TRIM_HORIZON iterator.
                logger.LogDebug("Trimmed-data answer at TRIM_HORIZON of {ShardId} ({Subscription}) before any record: {Message}; re-acquiring", shardId, subscription, ex.Message);
                _iterator = null;
            }
            catch (TrimmedDataAccessException ex)
            {
                metrics.TrimmedDataResets.Add(1, StreamsMetrics.Subscription(subscription), StreamsMetrics.Shard(shardId));
                logger.LogError(ex,
                    "DATA LOSS: shard {ShardId} ({Subscription}) no longer holds the records after {Position}: they were trimmed (older than 24 h). Continuing from TRIM_HORIZON; rebuild affected read models from the event store",
                    shardId, subscription, _lastReturnedSequence ?? _startCheckpoint ?? "the start");
                _startType = ShardIteratorType.TRIM_HORIZON;
                _startCheckpoint = null;
                _lastReturnedSequence = null;
                _iterator = null;
            }
            catch (StreamsThrottledException ex)
            {
                failures++;
                metrics.Throttles.Add(1, StreamsMetrics.Subscription(subscription), StreamsMetrics.Shard(shardId));
                var delay = backoff.Delay(failures);
                logger.LogDebug("Throttled reading shard {ShardId} ({Subscription}): {Code}; backing off {Delay}", shardId, subscription, ex.ErrorCode, delay);
                await Task.Delay(delay, time, cancellationToken);
            }
            catch (ResourceNotFoundException)
            {
                throw;
            }
            catch (Exception ex) when (ex is DynamoDbStreamsException or HttpRequestException)
            {
                failures++;
                var delay = backoff.Delay(failures);
                logger.LogWarning(ex, "Reading shard {ShardId} ({Subscription}) failed; retrying in {Delay}", shardId, subscription, delay);
                await Task.Delay(delay, time, cancellationToken);
            }
        }
    }

    private async Task<string> AcquireAsync(CancellationToken cancellationToken)
    {
        var (type, sequence) = _lastReturnedSequence is { } last
            ? (ShardIteratorType.AFTER_SEQUENCE_NUMBER, last)
            : (_startType, _startCheckpoint);
        var failures = 0;
        while (true)
        {
            try
            {
                var response = await streams.GetShardIteratorAsync(new GetShardIteratorRequest
                {
                    StreamArn = streamArn,
                    ShardId = shardId,
                    ShardIteratorType = type,
                    SequenceNumber = type == ShardIteratorType.AFTER_SEQUENCE_NUMBER || type == ShardIteratorType.AT_SEQUENCE_NUMBER ? sequence : null,
                }, cancellationToken);
                return response.ShardIterator ?? throw new DynamoDbStreamsException($"GetShardIterator returned no iterator for shard {shardId}.");
            }
            catch (TrimmedDataAccessException ex) when (type != ShardIteratorType.TRIM_HORIZON)
            {
                metrics.TrimmedDataResets.Add(1, StreamsMetrics.Subscription(subscription), StreamsMetrics.Shard(shardId));
                logger.LogError(ex,
                    "DATA LOSS: checkpoint {Checkpoint} of shard {ShardId} ({Subscription}) is older than the stream's retention; continuing from TRIM_HORIZON. Rebuild affected read models from the event store",
                    sequence, shardId, subscription);
                (type, sequence) = (ShardIteratorType.TRIM_HORIZON, null);
                (_startType, _startCheckpoint, _lastReturnedSequence) = (ShardIteratorType.TRIM_HORIZON, null, null);
            }
            catch (StreamsThrottledException)
            {
                failures++;
                metrics.Throttles.Add(1, StreamsMetrics.Subscription(subscription), StreamsMetrics.Shard(shardId));
                await Task.Delay(backoff.Delay(failures), time, cancellationToken);
            }
        }
    }
}
