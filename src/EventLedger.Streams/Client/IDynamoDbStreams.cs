using EventLedger.Streams.Client.Model;

namespace EventLedger.Streams.Client;

/// <summary>
/// The four DynamoDB Streams operations, shaped like the SDK's <c>IAmazonDynamoDBStreams</c> so that the official
/// AWSSDK.DynamoDBStreams client can be put behind it (or replace it) without touching callers.
/// </summary>
public interface IDynamoDbStreams : IDisposable
{
    Task<ListStreamsResponse> ListStreamsAsync(ListStreamsRequest request, CancellationToken cancellationToken = default);

    Task<DescribeStreamResponse> DescribeStreamAsync(DescribeStreamRequest request, CancellationToken cancellationToken = default);

    Task<GetShardIteratorResponse> GetShardIteratorAsync(GetShardIteratorRequest request, CancellationToken cancellationToken = default);

    Task<GetRecordsResponse> GetRecordsAsync(GetRecordsRequest request, CancellationToken cancellationToken = default);
}
