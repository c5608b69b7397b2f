using System.Buffers;
using System.Text.Json;
using Amazon.Runtime;
using EventLedger.Streams.Client.Model;

namespace EventLedger.Streams.Client;

/// <summary>
/// A thin DynamoDB Streams client: JSON 1.0 over HTTPS, sent signed by the <see cref="SignedAwsSender"/> the SNS sink uses too.
/// Errors come back as typed exceptions (<see cref="ExpiredIteratorException"/>, <see cref="TrimmedDataAccessException"/>,
/// <see cref="ResourceNotFoundException"/>, <see cref="StreamsThrottledException"/>, else <see cref="DynamoDbStreamsException"/>);
/// retrying is the caller's business.
/// </summary>
public sealed class DynamoDbStreamsClient : IDynamoDbStreams
{
    private const string ContentType = "application/x-amz-json-1.0";
    private const string TargetPrefix = "DynamoDBStreams_20120810.";

    private readonly SignedAwsSender _sender;

    /// <summary>Real DynamoDB Streams: region and credentials from the SDK's default chains.</summary>
    public DynamoDbStreamsClient() : this(null, new DynamoDbStreamsClientConfig())
    {
    }

    /// <summary>Credentials from the SDK's default chain.</summary>
    public DynamoDbStreamsClient(DynamoDbStreamsClientConfig config) : this(null, config)
    {
    }

    /// <summary>Explicit credentials (null: the SDK's default chain, resolved on first use).</summary>
    public DynamoDbStreamsClient(AWSCredentials? credentials, DynamoDbStreamsClientConfig config, HttpClient? httpClient = null) =>
        _sender = new SignedAwsSender("DynamoDB Streams", config.ResolveEndpoint(), config.ResolveSigningRegion(), config.SigningServiceName,
            credentials, config.Timeout, (message, cause) => new DynamoDbStreamsException(message, cause), httpClient);

    /// <summary>A client for DynamoDB Local (or any endpoint) with the dummy credentials DynamoDB Local accepts.</summary>
    public static DynamoDbStreamsClient ForEndpoint(string serviceUrl, string accessKey = "local", string region = "us-east-1") =>
        new(new BasicAWSCredentials(accessKey, "local"), new DynamoDbStreamsClientConfig { ServiceURL = serviceUrl, AuthenticationRegion = region });

    public Uri Endpoint => _sender.Endpoint;

    public Task<ListStreamsResponse> ListStreamsAsync(ListStreamsRequest request, CancellationToken cancellationToken = default) =>
        SendAsync("ListStreams", w => StreamsJson.Write(w, request), StreamsJson.ReadListStreams, cancellationToken);

    public Task<DescribeStreamResponse> DescribeStreamAsync(DescribeStreamRequest request, CancellationToken cancellationToken = default) =>
        SendAsync("DescribeStream", w => StreamsJson.Write(w, request), StreamsJson.ReadDescribeStream, cancellationToken);

    public Task<GetShardIteratorResponse> GetShardIteratorAsync(GetShardIteratorRequest request, CancellationToken cancellationToken = default) =>
        SendAsync("GetShardIterator", w => StreamsJson.Write(w, request), StreamsJson.ReadGetShardIterator, cancellationToken);

    public Task<GetRecordsResponse> GetRecordsAsync(GetRecordsRequest request, CancellationToken cancellationToken = default) =>
        SendAsync("GetRecords", w => StreamsJson.Write(w, request), StreamsJson.ReadGetRecords, cancellationToken);

    public void Dispose() => _sender.Dispose();

    private async Task<TResponse> SendAsync<TResponse>(
        string operation,
        Action<Utf8JsonWriter> writeBody,
        Func<JsonElement, TResponse> readResponse,
        CancellationToken cancellationToken)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writeBody(writer);
        }

        var answer = await _sender.SendAsync(operation, buffer.WrittenSpan.ToArray(), ContentType, TargetPrefix + operation, cancellationToken);
        if (!answer.IsSuccessStatusCode)
        {
            throw StreamsErrorMapper.Map(answer.StatusCode, answer.Body, answer.RequestId);
        }

        using var doc = JsonDocument.Parse(answer.Body);
        return readResponse(doc.RootElement);
    }
}
