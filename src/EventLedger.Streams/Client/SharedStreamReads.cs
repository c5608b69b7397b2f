using System.Collections.Concurrent;
using EventLedger.Streams.Client.Model;

namespace EventLedger.Streams.Client;

/// <summary>
/// Lets several consumers of the same shard in one process (the projection host runs one subscription per read-model
/// version, each with its own leases and checkpoints) share GetRecords calls: a page read from a position is kept for a
/// short while and handed to every reader that asks for the same position, so a shard is read and decoded once instead
/// of once per read model. Readers stay independent: each keeps its own position and may fall behind, in which case it
/// reads for itself. Only non-empty pages are kept (an empty answer depends on when it was asked). A reader handed a
/// cached page also gets the cached pages that follow it (up to its limit), so one that is behind catches up in one call.
/// </summary>
/// <remarks>
/// It hands out its own iterators, <c>shared|…</c>, which name a position (TRIM_HORIZON or after a sequence number) rather
/// than a DynamoDB iterator; a miss turns the position into a real iterator (the one the previous page returned, or a
/// GetShardIterator call). LATEST and AT_SEQUENCE_NUMBER iterators pass straight through. Records are shared objects:
/// readers must not modify them. A shared read is not cancelled with the reader that started it (others may wait on it);
/// the HTTP client's timeout bounds it.
/// </remarks>
public sealed class SharedStreamReads(IDynamoDbStreams inner, int maxCachedRecords, TimeSpan pageLifetime, TimeProvider? time = null) : IDynamoDbStreams
{
    private const string Prefix = "shared|";
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ConcurrentDictionary<string, Lazy<Task<Page>>> _pages = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string> _realIterators = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<(string Key, long Added, int Count)> _order = new();
    private long _cachedRecords;

    /// <summary>Records held in cached pages now (at most the bound, plus the page that was just read).</summary>
    internal long CachedRecords => Interlocked.Read(ref _cachedRecords);

    /// <summary>Pages held now (read or being read).</summary>
    internal int CachedPages => _pages.Count;

    public Task<ListStreamsResponse> ListStreamsAsync(ListStreamsRequest request, CancellationToken cancellationToken = default) =>
        inner.ListStreamsAsync(request, cancellationToken);

    public Task<DescribeStreamResponse> DescribeStreamAsync(DescribeStreamRequest request, CancellationToken cancellationToken = default) =>
        inner.DescribeStreamAsync(request, cancellationToken);

    public Task<GetShardIteratorResponse> GetShardIteratorAsync(GetShardIteratorRequest request, CancellationToken cancellationToken = default)
    {
        if (request.ShardIteratorType == ShardIteratorType.TRIM_HORIZON)
        {
            return Task.FromResult(new GetShardIteratorResponse { ShardIterator = Position(request.StreamArn, request.ShardId, "th") });
        }

        if (request.ShardIteratorType == ShardIteratorType.AFTER_SEQUENCE_NUMBER && request.SequenceNumber is { } after)
        {
            return Task.FromResult(new GetShardIteratorResponse { ShardIterator = Position(request.StreamArn, request.ShardId, "after:" + after) });
        }

        return inner.GetShardIteratorAsync(request, cancellationToken);
    }

    public async Task<GetRecordsResponse> GetRecordsAsync(GetRecordsRequest request, CancellationToken cancellationToken = default)
    {
        if (!request.ShardIterator.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return await inner.GetRecordsAsync(request, cancellationToken);
        }

        var key = request.ShardIterator;
        var limit = request.Limit ?? 1000;
        var lazy = _pages.GetOrAdd(key, k => new Lazy<Task<Page>>(() => ReadAsync(k, limit, CancellationToken.None)));
        Page page;
        try
        {
            page = await lazy.Value.WaitAsync(cancellationToken);
        }
        catch
        {
            _pages.TryRemove(KeyValuePair.Create(key, lazy));
            throw;
        }

        if (page.Records.Count == 0 || page.Added + pageLifetime.Ticks < _time.GetUtcNow().UtcTicks)
        {
            _pages.TryRemove(KeyValuePair.Create(key, lazy));
        }

        if (page.Records.Count == 0)
        {
            return new GetRecordsResponse { Records = [], NextShardIterator = page.Ended ? null : key };
        }

        // A reader behind the one that read this page takes the pages read after it too, as far as they are cached and its
        // limit allows, so it catches up in one call. Page by page it would stay behind: a reader that reads once per batch
        // (paced, under load) would get one page per batch, as many as the reader ahead of it made.
        var records = new List<Record>(page.Records);
        var last = page;
        while (records.Count < limit && !last.Ended && _pages.TryGetValue(last.Next, out var following)
               && following.IsValueCreated && following.Value.IsCompletedSuccessfully)
        {
            var more = await following.Value;
            if (more.Records.Count == 0)
            {
                break;
            }

            records.AddRange(more.Records);
            last = more;
        }

        if (records.Count <= limit)
        {
            return new GetRecordsResponse { Records = records, NextShardIterator = last.Ended ? null : last.Next };
        }

        // More than the limit (a page read with a larger limit by another reader, or several pages): hand out the first
        // records; the rest stay reachable by position.
        var head = records.GetRange(0, limit);
        return new GetRecordsResponse { Records = head, NextShardIterator = After(key, head[^1].Dynamodb.SequenceNumber) };
    }

    /// <summary>Drops the cached pages; the inner client belongs to the caller and stays open.</summary>
    public void Dispose()
    {
        _pages.Clear();
        _realIterators.Clear();
    }

    private async Task<Page> ReadAsync(string key, int limit, CancellationToken cancellationToken)
    {
        var (arn, shardId, position) = Parse(key);
        GetRecordsResponse response;
        if (_realIterators.TryRemove(key, out var real))
        {
            try
            {
                response = await inner.GetRecordsAsync(new GetRecordsRequest { ShardIterator = real, Limit = limit }, cancellationToken);
            }
            catch (ExpiredIteratorException)
            {
                response = await ReadFreshAsync();
            }
        }
        else
        {
            response = await ReadFreshAsync();
        }

        if (response.Records.Count == 0)
        {
            if (response.NextShardIterator is { } again)
            {
                _realIterators[key] = again;
            }

            return new Page([], key, response.NextShardIterator is null, _time.GetUtcNow().UtcTicks);
        }

        var next = After(key, response.Records[^1].Dynamodb.SequenceNumber);
        if (response.NextShardIterator is { } nextReal)
        {
            _realIterators[next] = nextReal;
        }

        Remember(key, response.Records.Count);
        return new Page(response.Records, next, response.NextShardIterator is null, _time.GetUtcNow().UtcTicks);

        async Task<GetRecordsResponse> ReadFreshAsync()
        {
            var iterator = await inner.GetShardIteratorAsync(new GetShardIteratorRequest
            {
                StreamArn = arn,
                ShardId = shardId,
                ShardIteratorType = position == "th" ? ShardIteratorType.TRIM_HORIZON : ShardIteratorType.AFTER_SEQUENCE_NUMBER,
                SequenceNumber = position == "th" ? null : position["after:".Length..],
            }, cancellationToken);
            return await inner.GetRecordsAsync(new GetRecordsRequest { ShardIterator = iterator.ShardIterator!, Limit = limit }, cancellationToken);
        }
    }

    /// <summary>Keeps at most <c>maxCachedRecords</c> records and nothing older than the page lifetime; also bounds the real-iterator map.</summary>
    private void Remember(string key, int count)
    {
        var now = _time.GetUtcNow().UtcTicks;
        _order.Enqueue((key, now, count));
        Interlocked.Add(ref _cachedRecords, count);
        while (_order.TryPeek(out var oldest) && (Interlocked.Read(ref _cachedRecords) > maxCachedRecords || oldest.Added + pageLifetime.Ticks < now))
        {
            if (_order.TryDequeue(out oldest))
            {
                _pages.TryRemove(oldest.Key, out _);
                Interlocked.Add(ref _cachedRecords, -oldest.Count);
            }
        }

        if (_realIterators.Count > 10_000)
        {
            _realIterators.Clear(); // a reader whose iterator is gone re-acquires one by position
        }
    }

    private static string Position(string arn, string shardId, string position) => $"{Prefix}{arn}|{shardId}|{position}";

    private static string After(string key, string sequenceNumber)
    {
        var (arn, shardId, _) = Parse(key);
        return Position(arn, shardId, "after:" + sequenceNumber);
    }

    private static (string Arn, string ShardId, string Position) Parse(string key)
    {
        var parts = key[Prefix.Length..].Split('|');
        return (parts[0], parts[1], parts[2]);
    }

    private sealed record Page(List<Record> Records, string Next, bool Ended, long Added);
}
