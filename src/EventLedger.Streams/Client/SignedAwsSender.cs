using System.Net;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;

namespace EventLedger.Streams.Client;

/// <summary>
/// How the thin AWS clients send (the Streams client's JSON 1.0, the SNS sink's Query protocol): one process-wide
/// <see cref="HttpClient"/>, credentials resolved once (given, or the SDK's default chain on first use), every POST
/// signed by <see cref="SigV4Signer"/> and bounded by a timeout. A timeout or an endpoint that cannot be reached becomes
/// the client's own exception; any answer, success or error, goes back to the client to read.
/// </summary>
public sealed class SignedAwsSender : IDisposable
{
    private static readonly HttpClient SharedHttp = new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
        AutomaticDecompression = DecompressionMethods.None,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private readonly string _serviceName;
    private readonly string _region;
    private readonly string _signingService;
    private readonly TimeSpan _timeout;
    private readonly Func<string, Exception, Exception> _transportError;
    private readonly HttpClient _http;
    private readonly SemaphoreSlim _credentialsGate = new(1, 1);
    private AWSCredentials? _credentials;

    /// <param name="serviceName">The service as error messages name it, e.g. "SNS".</param>
    /// <param name="endpoint">Where every request is POSTed.</param>
    /// <param name="region">The region in the signature.</param>
    /// <param name="signingService">The SigV4 service name, e.g. "sns" or "dynamodb".</param>
    /// <param name="credentials">Null: the SDK's default chain, resolved on first use.</param>
    /// <param name="timeout">Per request, from sending to the whole answer read.</param>
    /// <param name="transportError">The client's exception for a timeout or an unreachable endpoint (message, cause).</param>
    /// <param name="httpClient">Null: the process-wide client.</param>
    public SignedAwsSender(
        string serviceName,
        Uri endpoint,
        string region,
        string signingService,
        AWSCredentials? credentials,
        TimeSpan timeout,
        Func<string, Exception, Exception> transportError,
        HttpClient? httpClient = null)
    {
        _serviceName = serviceName;
        Endpoint = endpoint;
        _region = region;
        _signingService = signingService;
        _credentials = credentials;
        _timeout = timeout;
        _transportError = transportError;
        _http = httpClient ?? SharedHttp;
    }

    public Uri Endpoint { get; }

    /// <summary>POSTs <paramref name="body"/>, signed, and returns the answer, whatever its status.</summary>
    /// <param name="operation">The operation, for error messages.</param>
    /// <param name="target">The X-Amz-Target of a JSON protocol call; null for a Query protocol (form) call.</param>
    public async Task<SignedAwsAnswer> SendAsync(string operation, byte[] body, string contentType, string? target, CancellationToken cancellationToken)
    {
        var credentials = await (await GetCredentialsAsync(cancellationToken)).GetCredentialsAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, Endpoint) { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        if (target is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        }

        SigV4Signer.Sign(request, body, contentType, target, credentials, _region, _signingService, DateTime.UtcNow);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
            var requestId = response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.FirstOrDefault() : null;
            return new SignedAwsAnswer(response.StatusCode, await response.Content.ReadAsByteArrayAsync(cancellationToken), requestId);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw _transportError($"{_serviceName} {operation} timed out after {_timeout}.", ex);
        }
        catch (HttpRequestException ex)
        {
            throw _transportError($"{_serviceName} {operation} failed to reach {Endpoint}: {ex.Message}", ex);
        }
    }

    public void Dispose() => _credentialsGate.Dispose();

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

/// <summary>What an AWS endpoint answered: its status, its whole body and its request id (x-amzn-RequestId), if any.</summary>
public sealed record SignedAwsAnswer(HttpStatusCode StatusCode, byte[] Body, string? RequestId)
{
    public bool IsSuccessStatusCode => (int)StatusCode is >= 200 and <= 299;
}
