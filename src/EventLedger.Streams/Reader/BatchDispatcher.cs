using EventLedger.Streams.Client.Model;
using EventLedger.Streams.Metrics;

namespace EventLedger.Streams.Reader;

/// <summary>
/// Splits a shard batch into <see cref="StreamSubscriptionOptions.ParallelizationFactor"/> lanes by partition key (each key always
/// lands in the same lane, in stream order) and runs the lanes concurrently. Returns when every lane is done.
/// </summary>
internal sealed class BatchDispatcher(BatchExecutor executor, int parallelizationFactor, Func<Record, string> partitionKey)
{
    public Task DispatchAsync(string shardId, IReadOnlyList<Record> records, ShardProgress progress, CancellationToken cancellationToken)
    {
        if (parallelizationFactor == 1)
        {
            return executor.ExecuteAsync(shardId, records, checkpointable: true, progress, cancellationToken);
        }

        var lanes = new List<Record>?[parallelizationFactor];
        foreach (var record in records)
        {
            var lane = (int)((uint)StringComparer.Ordinal.GetHashCode(partitionKey(record)) % (uint)parallelizationFactor);
            (lanes[lane] ??= []).Add(record);
        }

        var used = lanes.Where(l => l is not null).Select(l => l!).ToList();
        if (used.Count == 1)
        {
            return executor.ExecuteAsync(shardId, used[0], checkpointable: true, progress, cancellationToken);
        }

        return Task.WhenAll(used.Select(lane => Task.Run(() => executor.ExecuteAsync(shardId, lane, checkpointable: false, progress, cancellationToken), cancellationToken)));
    }
}
