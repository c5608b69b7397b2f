using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using EventLedger.Streams.Client.Model;

namespace EventLedger.Streams.Client;

/// <summary>
/// A thin DynamoDB Streams client: JSON 1.0 over HTTPS, SigV4-signed, one process-wide <see cref="HttpClient"/>.
/// Errors come back as typed exceptions (<see cref="ExpiredIteratorException"/>, <see cref="TrimmedDataAccessException"/>,
/// <see cref="ResourceNotFoundException"/>, <see cref="StreamsThrottledException"/>, else <see cref="DynamoDbStreamsException"/>);
/// retrying is the caller's business.
/// </summary>
public sealed class DynamoDbStreamsClient : IDynamoDbStreams
{
    private const string ContentType = "application/x-amz-json-1.0";
    private const string TargetPrefix = "DynamoDBStreams_20120810.";

    private static readonly HttpClient SharedHttp = new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        AutomaticDecompression = DecompressionMethods.None,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private static readonly MediaTypeHeaderValue JsonMediaType = new(ContentType);

    private readonly DynamoDbStreamsClientConfig _config;
    private readonly Uri _endpoint;
    private readonly string _signingRegion;
    private readonly HttpClient _http;
    private readonly SemaphoreSlim _credentialsGate = new(1, 1);
    private AWSCredentials? _credentials;

    /// <summary>Real DynamoDB Streams: region and credentials from the SDK's default chains.</summary>
    public DynamoDbStreamsClient() : this(null, new DynamoDbStreamsClientConfig())
    {
    }

    /// <summary>Credentials from the SDK's default chain.</summary>
    public DynamoDbStreamsClient(DynamoDbStreamsClientConfig config) : this(null, config)
    {
    }

    /// <summary>Explicit credentials (null: the SDK's default chain, resolved on first use).</summary>
    public DynamoDbStreamsClient(AWSCredentials? credentials, DynamoDbStreamsClientConfig config, HttpClient? httpClient = null)
    {
        _config = config;
        _credentials = credentials;
        _endpoint = config.ResolveEndpoint();
        _signingRegion = config.ResolveSigningRegion();
        _http = httpClient ?? SharedHttp;
    }

    /// <summary>A client for DynamoDB Local (or any endpoint) with the dummy credentials DynamoDB Local accepts.</summary>
    public static DynamoDbStreamsClient ForEndpoint(string serviceUrl, string accessKey = "local", string region = "us-east-1") =>
        new(new BasicAWSCredentials(accessKey, "local"), new DynamoDbStreamsClientConfig { ServiceURL = serviceUrl, AuthenticationRegion = region });

    public Uri Endpoint => _endpoint;

    public Task<ListStreamsResponse> ListStreamsAsync(ListStreamsRequest request, CancellationToken cancellationToken = default) =>
        SendAsync("ListStreams", w => StreamsJson.Write(w, request), StreamsJson.ReadListStreams, cancellationToken);

    public Task<DescribeStreamResponse> DescribeStreamAsync(DescribeStreamRequest request, CancellationToken cancellationToken = default) =>
        SendAsync("DescribeStream", w => StreamsJson.Write(w, request), StreamsJson.ReadDescribeStream, cancellationToken);

    public Task<GetShardIteratorResponse> GetShardIteratorAsync(GetShardIteratorRequest request, CancellationToken cancellationToken = default) =>
        SendAsync("GetShardIterator", w => StreamsJson.Write(w, request), StreamsJson.ReadGetShardIterator, cancellationToken);

    public Task<GetRecordsResponse> GetRecordsAsync(GetRecordsRequest request, CancellationToken cancellationToken = default) =>
        SendAsync("GetRecords", w => StreamsJson.Write(w, request), StreamsJson.ReadGetRecords, cancellationToken);

    public void Dispose() => _credentialsGate.Dispose();

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

        var body = buffer.WrittenSpan.ToArray();
        var credentials = await (await GetCredentialsAsync(cancellationToken)).GetCredentialsAsync();
        var target = TargetPrefix + operation;

        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint);
        request.Content = new ByteArrayContent(body);
        request.Content.Headers.ContentType = JsonMediaType;
        request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        SigV4Signer.Sign(request, body, ContentType, target, credentials, _signingRegion, _config.SigningServiceName, DateTime.UtcNow);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_config.Timeout);
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new DynamoDbStreamsException($"DynamoDB Streams {operation} timed out after {_config.Timeout}.", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new DynamoDbStreamsException($"DynamoDB Streams {operation} failed to reach {_endpoint}: {ex.Message}", ex);
        }

        using (response)
        {
            var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                var requestId = response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.FirstOrDefault() : null;
                throw StreamsErrorMapper.Map(response.StatusCode, bytes, requestId);
            }

            using var doc = JsonDocument.Parse(bytes);
            return readResponse(doc.RootElement);
        }
    }

    private async ValueTask<AWSCredentials> GetCredentialsAsync(CancellationToken cancellationToken)
    {
        if (_credentials is { } resolved)
        {
            return resolved;
        }

        await _credentialsGate.WaitAsync(cancellationToken);
        try
        {
            return _credentials ??= await DefaultAWSCredentialsIdentityResolver.GetCredentialsAsync(null);
        }
        finally
        {
            _credentialsGate.Release();
        }
    }
}
