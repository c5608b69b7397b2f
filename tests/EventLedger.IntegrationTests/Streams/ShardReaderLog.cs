using System.Collections.Concurrent;
using System.Diagnostics;
using EventLedger.Streams.Client;
using EventLedger.Streams.Client.Model;

namespace EventLedger.IntegrationTests.Streams;

/// <summary>
/// Who called GetRecords on which shard and when, across several in-process hosts: each host gets its own
/// <see cref="Client"/>, a Streams client that forwards to the real one, logs every GetRecords with the shard it reads
/// (iterators are mapped back to their shard), and fails every call once its host is declared dead.
/// </summary>
public sealed class ShardReaderLog
{
    private readonly ConcurrentQueue<(string Shard, string Host, long At)> _calls = new();

    public IReadOnlyList<(string Shard, string Host, long At)> Calls => [.. _calls];

    public CountingStreams Client(string host, IDynamoDbStreams inner) => new(this, host, inner);

    /// <summary>For each shard, the most hosts that called GetRecords on it within any one window of <paramref name="window"/>.</summary>
    public IReadOnlyDictionary<string, int> MostConcurrentReaders(TimeSpan window) =>
        Calls.GroupBy(c => c.Shard).ToDictionary(g => g.Key, g =>
        {
            var calls = g.OrderBy(c => c.At).ToList();
            var most = 0;
            for (var i = 0; i < calls.Count; i++)
            {
                var end = calls[i].At + (long)(window.TotalSeconds * Stopwatch.Frequency);
                most = Math.Max(most, calls.Skip(i).TakeWhile(c => c.At <= end).Select(c => c.Host).Distinct().Count());
            }

            return most;
        });

    public sealed class CountingStreams(ShardReaderLog log, string host, IDynamoDbStreams inner) : IDynamoDbStreams
    {
        private readonly ConcurrentDictionary<string, string> _shardOf = new(StringComparer.Ordinal);
        private volatile bool _dead;

        /// <summary>Every later call fails as if the network were gone.</summary>
        public void Die() => _dead = true;

        public Task<ListStreamsResponse> ListStreamsAsync(ListStreamsRequest request, CancellationToken cancellationToken = default) =>
            Alive(() => inner.ListStreamsAsync(request, cancellationToken));

        public Task<DescribeStreamResponse> DescribeStreamAsync(DescribeStreamRequest request, CancellationToken cancellationToken = default) =>
            Alive(() => inner.DescribeStreamAsync(request, cancellationToken));

        public async Task<GetShardIteratorResponse> GetShardIteratorAsync(GetShardIteratorRequest request, CancellationToken cancellationToken = default)
        {
            var response = await Alive(() => inner.GetShardIteratorAsync(request, cancellationToken));
            if (response.ShardIterator is { } iterator) _shardOf[iterator] = request.ShardId;
            return response;
        }

        public async Task<GetRecordsResponse> GetRecordsAsync(GetRecordsRequest request, CancellationToken cancellationToken = default)
        {
            var shard = _shardOf.TryGetValue(request.ShardIterator, out var s) ? s : "?";
            var response = await Alive(() =>
            {
                log._calls.Enqueue((shard, host, Stopwatch.GetTimestamp()));
                return inner.GetRecordsAsync(request, cancellationToken);
            });
            if (response.NextShardIterator is { } next) _shardOf[next] = shard;
            return response;
        }

        public void Dispose() => inner.Dispose();

        private Task<T> Alive<T>(Func<Task<T>> call) =>
            _dead ? Task.FromException<T>(new HttpRequestException($"{host} is dead (test).")) : call();
    }
}
