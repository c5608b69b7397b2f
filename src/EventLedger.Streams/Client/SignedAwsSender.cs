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
/// <param name="serviceName">The service as error messages name it, e.g. "SNS".</param>
/// <param name="endpoint">Where every request is POSTed.</param>
/// <param name="region">The region in the signature.</param>
/// <param name="signingService">The SigV4 service name, e.g. "sns" or "dynamodb".</param>
/// <param name="credentials">Null: the SDK's default chain, resolved on first use.</param>
/// <param name="timeout">Per request, from sending to the whole answer read.</param>
/// <param name="transportError">The client's exception for a timeout or an unreachable endpoint (message, cause).</param>
/// <param name="httpClient">Null: the process-wide client.</param>
public sealed class SignedAwsSender(
    string serviceName,
    Uri endpoint,
    string region,
    string signingService,
    AWSCredentials? credentials,
    TimeSpan timeout,
    Func<string, Exception, Exception> transportError,
    HttpClient? httpClient = null) : IDisposable
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

    private readonly HttpClient _http = httpClient ?? SharedHttp;
    private readonly SemaphoreSlim _credentialsGate = new(1, 1);
    private AWSCredentials? _credentials = credentials;

    public Uri Endpoint => endpoint;

    /// <summary>POSTs <paramref name="body"/>, signed, and returns the answer, whatever its status.</summary>
    /// <param name="operation">The operation, for error messages.</param>
    /// <param name="target">The X-Amz-Target of a JSON protocol call; null for a Query protocol (form) call.</param>
    public async Task<SignedAwsAnswer> SendAsync(string operation, byte[] body, string contentType, string? target, CancellationToken cancellationToken)
    {
        var signingCredentials = await (await GetCredentialsAsync(cancellationToken)).GetCredentialsAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        if (target is not null)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Target", target);
        }

        SigV4Signer.Sign(request, body, contentType, target, signingCredentials, region, signingService, DateTime.UtcNow);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, deadline.Token);
            var requestId = response.Headers.TryGetValues("x-amzn-RequestId", out var ids) ? ids.FirstOrDefault() : null;
            return new SignedAwsAnswer(response.StatusCode, await response.Content.ReadAsByteArrayAsync(cancellationToken), requestId);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw transportError($"{serviceName} {operation} timed out after {timeout}.", ex);
        }
        catch (HttpRequestException ex)
        {
            throw transportError($"{serviceName} {operation} failed to reach {endpoint}: {ex.Message}", ex);
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
