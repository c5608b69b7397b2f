using EventLedger.Streams.Checkpoints;
using EventLedger.Streams.Client;
using EventLedger.Streams.Client.Model;
using EventLedger.Streams.Leases;

namespace EventLedger.IntegrationTests.Streams;

/// <summary>Passes calls to DynamoDB Local, but can make the next GetRecords use a stale copy of its iterator (Local then answers ExpiredIteratorException).</summary>
internal sealed class StaleIteratorStreams(IDynamoDbStreams inner) : IDynamoDbStreams
{
    private int _expireNext;
    private int _expiredSeen;
    private int _iteratorsAcquired;
    private int _getRecordsCalls;

    public int GetRecordsCalls => Volatile.Read(ref _getRecordsCalls);

    public int ExpiredSeen => Volatile.Read(ref _expiredSeen);
    public int IteratorsAcquired => Volatile.Read(ref _iteratorsAcquired);

    public void ExpireNextIterator() => Volatile.Write(ref _expireNext, 1);

    public Task<ListStreamsResponse> ListStreamsAsync(ListStreamsRequest request, CancellationToken cancellationToken = default) => inner.ListStreamsAsync(request, cancellationToken);

    public Task<DescribeStreamResponse> DescribeStreamAsync(DescribeStreamRequest request, CancellationToken cancellationToken = default) => inner.DescribeStreamAsync(request, cancellationToken);

    public Task<GetShardIteratorResponse> GetShardIteratorAsync(GetShardIteratorRequest request, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _iteratorsAcquired);
        return inner.GetShardIteratorAsync(request, cancellationToken);
    }

    public async Task<GetRecordsResponse> GetRecordsAsync(GetRecordsRequest request, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _getRecordsCalls);
        if (Interlocked.Exchange(ref _expireNext, 0) == 1)
        {
            request = new GetRecordsRequest { ShardIterator = LocalIterators.MakeStale(request.ShardIterator), Limit = request.Limit };
        }

        try
        {
            return await inner.GetRecordsAsync(request, cancellationToken);
        }
        catch (ExpiredIteratorException)
        {
            Interlocked.Increment(ref _expiredSeen);
            throw;
        }
    }

    public void Dispose()
    {
    }
}

/// <summary>A lease store that can be cut off (every call fails), as a host that lost its network would see it.</summary>
internal sealed class PartitionableLeaseStore(ILeaseStore inner) : ILeaseStore
{
    public volatile bool CutOff;

    public Task EnsureTableAsync(CancellationToken cancellationToken) => Call(() => inner.EnsureTableAsync(cancellationToken));

    public Task<IReadOnlyList<Lease>> ListAsync(string subscription, CancellationToken cancellationToken) => Call(() => inner.ListAsync(subscription, cancellationToken));

    public Task<bool> CreateIfMissingAsync(Lease lease, CancellationToken cancellationToken) => Call(() => inner.CreateIfMissingAsync(lease, cancellationToken));

    public Task<Lease?> TakeAsync(Lease lease, string owner, TimeSpan leaseDuration, CancellationToken cancellationToken) => Call(() => inner.TakeAsync(lease, owner, leaseDuration, cancellationToken));

    public Task<Lease?> RenewAsync(Lease lease, TimeSpan leaseDuration, CancellationToken cancellationToken) => Call(() => inner.RenewAsync(lease, leaseDuration, cancellationToken));

    public Task<bool> ReleaseAsync(Lease lease, CancellationToken cancellationToken) => Call(() => inner.ReleaseAsync(lease, cancellationToken));

    public Task<bool> MarkShardEndedAsync(Lease lease, CancellationToken cancellationToken) => Call(() => inner.MarkShardEndedAsync(lease, cancellationToken));

    public Task DeleteAsync(string subscription, string shardId, CancellationToken cancellationToken) => Call(() => inner.DeleteAsync(subscription, shardId, cancellationToken));

    private Task<T> Call<T>(Func<Task<T>> call) => CutOff ? Task.FromException<T>(new HttpRequestException("Network partition (test)")) : call();

    private Task Call(Func<Task> call) => CutOff ? Task.FromException(new HttpRequestException("Network partition (test)")) : call();
}

/// <summary>A checkpoint store whose writes fail from a chosen instant on, as if the process had died then (reads still work).</summary>
internal sealed class CrashableCheckpointStore(ICheckpointStore inner) : ICheckpointStore
{
    public volatile bool Crashed;

    public Task<string?> GetAsync(string subscription, string shardId, CancellationToken cancellationToken) => inner.GetAsync(subscription, shardId, cancellationToken);

    public Task SaveAsync(string subscription, string shardId, string sequenceNumber, CancellationToken cancellationToken) =>
        Crashed ? Task.FromException(new HttpRequestException("The process died (test)")) : inner.SaveAsync(subscription, shardId, sequenceNumber, cancellationToken);

    public Task MarkShardEndAsync(string subscription, string shardId, CancellationToken cancellationToken) =>
        Crashed ? Task.FromException(new HttpRequestException("The process died (test)")) : inner.MarkShardEndAsync(subscription, shardId, cancellationToken);
}
