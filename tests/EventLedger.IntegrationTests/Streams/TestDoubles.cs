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
