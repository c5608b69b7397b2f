using System.Globalization;
using System.Net;
using System.Text;
using System.Xml.Linq;
using Amazon.Runtime;
using Amazon.Runtime.Credentials;
using Amazon.Runtime.Internal.Auth;
using EventLedger.Reactions.Sinks.Sns.Model;

namespace EventLedger.Reactions.Sinks.Sns;

/// <summary>
/// A thin SNS client: the Query protocol (form-encoded POST, XML answers, API version 2010-03-31), SigV4-signed with
/// AWSSDK.Core's <see cref="AWS4Signer"/> primitives, one process-wide <see cref="HttpClient"/>. AWSSDK.SimpleNotificationService
/// is not served by this machine's mirror; this covers the four operations EventLedger needs (ADR 0012).
/// Errors are <see cref="AmazonSimpleNotificationServiceException"/>; retrying is the caller's business.
/// </summary>
public sealed class SnsClient : IAmazonSimpleNotificationService
{
    private const string Version = "2010-03-31";
    private const string ContentType = "application/x-www-form-urlencoded; charset=utf-8";
    private static readonly XNamespace Ns = "http://sns.amazonaws.com/doc/2010-03-31/";

    private static readonly HttpClient SharedHttp = new(new SocketsHttpHandler
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private readonly Uri _endpoint;
    private readonly string _region;
    private readonly TimeSpan _timeout;
    private readonly SemaphoreSlim _credentialsGate = new(1, 1);
    private AWSCredentials? _credentials;

    public SnsClient(AwsEndpoint endpoint, TimeSpan? timeout = null)
    {
        _endpoint = endpoint.ServiceUrl is { } url
            ? new Uri(url.EndsWith('/') ? url : url + "/")
            : new Uri($"https://sns.{endpoint.Region}.amazonaws.com/");
        _region = endpoint.Region;
        _credentials = endpoint.Credentials;
        _timeout = timeout ?? TimeSpan.FromSeconds(20);
    }

    public Uri Endpoint => _endpoint;

    public async Task<PublishResponse> PublishAsync(PublishRequest request, CancellationToken cancellationToken = default)
    {
        var form = new List<(string, string)> { ("TopicArn", Required(request.TopicArn, "TopicArn")), ("Message", Required(request.Message, "Message")) };
        AddOptional(form, "", request.Subject, request.MessageGroupId, request.MessageDeduplicationId);
        AddAttributes(form, "", request.MessageAttributes);
        var result = await SendAsync("Publish", form, cancellationToken);
        return new PublishResponse { MessageId = result.Element(Ns + "MessageId")?.Value, SequenceNumber = result.Element(Ns + "SequenceNumber")?.Value };
    }

    public async Task<PublishBatchResponse> PublishBatchAsync(PublishBatchRequest request, CancellationToken cancellationToken = default)
    {
        var form = new List<(string, string)> { ("TopicArn", Required(request.TopicArn, "TopicArn")) };
        for (var i = 0; i < request.PublishBatchRequestEntries.Count; i++)
        {
            var entry = request.PublishBatchRequestEntries[i];
            var prefix = $"PublishBatchRequestEntries.member.{(i + 1).ToString(CultureInfo.InvariantCulture)}.";
            form.Add((prefix + "Id", Required(entry.Id, "Id")));
            form.Add((prefix + "Message", Required(entry.Message, "Message")));
            AddOptional(form, prefix, entry.Subject, entry.MessageGroupId, entry.MessageDeduplicationId);
            AddAttributes(form, prefix, entry.MessageAttributes);
        }

        var result = await SendAsync("PublishBatch", form, cancellationToken);
        return new PublishBatchResponse
        {
            Successful = [.. Members(result, "Successful").Select(m => new PublishBatchResultEntry { Id = m.Element(Ns + "Id")?.Value, MessageId = m.Element(Ns + "MessageId")?.Value })],
            Failed = [.. Members(result, "Failed").Select(m => new BatchResultErrorEntry
            {
                Id = m.Element(Ns + "Id")?.Value,
                Code = m.Element(Ns + "Code")?.Value,
                Message = m.Element(Ns + "Message")?.Value,
                SenderFault = string.Equals(m.Element(Ns + "SenderFault")?.Value, "true", StringComparison.OrdinalIgnoreCase),
            })],
        };
    }

    public async Task<CreateTopicResponse> CreateTopicAsync(CreateTopicRequest request, CancellationToken cancellationToken = default)
    {
        var form = new List<(string, string)> { ("Name", Required(request.Name, "Name")) };
        AddMap(form, "Attributes", request.Attributes);
        var result = await SendAsync("CreateTopic", form, cancellationToken);
        return new CreateTopicResponse { TopicArn = result.Element(Ns + "TopicArn")?.Value };
    }

    public async Task<SubscribeResponse> SubscribeAsync(SubscribeRequest request, CancellationToken cancellationToken = default)
    {
        var form = new List<(string, string)>
        {
            ("TopicArn", Required(request.TopicArn, "TopicArn")),
            ("Protocol", Required(request.Protocol, "Protocol")),
            ("Endpoint", Required(request.Endpoint, "Endpoint")),
        };
        AddMap(form, "Attributes", request.Attributes);
        var result = await SendAsync("Subscribe", form, cancellationToken);
        return new SubscribeResponse { SubscriptionArn = result.Element(Ns + "SubscriptionArn")?.Value };
    }

    public void Dispose() => _credentialsGate.Dispose();

    private async Task<XElement> SendAsync(string action, List<(string Key, string Value)> form, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(string.Join('&',
            new[] { ("Action", action), ("Version", Version) }.Concat(form).Select(p => $"{Uri.EscapeDataString(p.Item1)}={Uri.EscapeDataString(p.Item2)}")));
        var credentials = await (await GetCredentialsAsync(cancellationToken)).GetCredentialsAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
        Sign(request, body, credentials, DateTime.UtcNow);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        HttpResponseMessage response;
        try
        {
            response = await SharedHttp.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new AmazonClientException($"SNS {action} timed out after {_timeout}.", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new AmazonClientException($"SNS {action} failed to reach {_endpoint}: {ex.Message}", ex);
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            XDocument document;
            try
            {
                document = XDocument.Parse(text);
            }
            catch (System.Xml.XmlException)
            {
                throw new AmazonSimpleNotificationServiceException(
                    $"SNS {action} answered {(int)response.StatusCode} with a body that is not XML: {Truncate(text)}", "InvalidResponse", false, response.StatusCode);
            }

            var root = document.Root!;
            if (!response.IsSuccessStatusCode || root.Name.LocalName == "ErrorResponse")
            {
                var error = root.Descendants().FirstOrDefault(e => e.Name.LocalName == "Error");
                string? Field(string name) => error?.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value;
                throw new AmazonSimpleNotificationServiceException(
                    Field("Message") ?? $"SNS {action} failed with {(int)response.StatusCode}",
                    Field("Code") ?? response.StatusCode.ToString(),
                    Field("Type") != "Receiver" && (int)response.StatusCode < 500,
                    response.IsSuccessStatusCode ? HttpStatusCode.BadRequest : response.StatusCode);
            }

            return root.Element(Ns + action + "Result")
                ?? root.Elements().FirstOrDefault(e => e.Name.LocalName == action + "Result")
                ?? throw new AmazonSimpleNotificationServiceException($"SNS {action} answered without a {action}Result.", "InvalidResponse", false, response.StatusCode);
        }
    }

    /// <summary>SigV4 for a form POST: the canonical request (POST, path, no query, content-type/host/x-amz-date, payload hash) hashed and signed with AWSSDK.Core.</summary>
    private void Sign(HttpRequestMessage request, byte[] body, ImmutableCredentials credentials, DateTime signedAt)
    {
        var uri = request.RequestUri!;
        var amzDate = AWS4Signer.FormatDateTime(signedAt, "yyyyMMddTHHmmssZ");
        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["content-type"] = ContentType,
            ["host"] = uri.Authority,
            ["x-amz-date"] = amzDate,
        };
        if (credentials.UseToken)
        {
            headers["x-amz-security-token"] = credentials.Token;
        }

        var signedHeaders = string.Join(';', headers.Keys);
        var canonical = new StringBuilder(256)
            .Append("POST\n")
            .Append(string.IsNullOrEmpty(uri.AbsolutePath) ? "/" : uri.AbsolutePath).Append('\n')
            .Append('\n');
        foreach (var (name, value) in headers)
        {
            canonical.Append(name).Append(':').Append(value.Trim()).Append('\n');
        }

        canonical.Append('\n').Append(signedHeaders).Append('\n').Append(Convert.ToHexStringLower(AWS4Signer.ComputeHash(body)));
        var result = AWS4Signer.ComputeSignature(credentials, _region, signedAt, "sns", signedHeaders, canonical.ToString());
        request.Headers.TryAddWithoutValidation("X-Amz-Date", amzDate);
        if (credentials.UseToken)
        {
            request.Headers.TryAddWithoutValidation("X-Amz-Security-Token", credentials.Token);
        }

        request.Headers.TryAddWithoutValidation("Authorization", result.ForAuthorizationHeader);
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

    private static IEnumerable<XElement> Members(XElement result, string list) =>
        result.Element(Ns + list)?.Elements(Ns + "member") ?? [];

    private static void AddOptional(List<(string, string)> form, string prefix, string? subject, string? groupId, string? deduplicationId)
    {
        if (subject is not null) form.Add((prefix + "Subject", subject));
        if (groupId is not null) form.Add((prefix + "MessageGroupId", groupId));
        if (deduplicationId is not null) form.Add((prefix + "MessageDeduplicationId", deduplicationId));
    }

    private static void AddAttributes(List<(string, string)> form, string prefix, Dictionary<string, MessageAttributeValue> attributes)
    {
        var i = 0;
        foreach (var (name, value) in attributes)
        {
            var entry = $"{prefix}MessageAttributes.entry.{(++i).ToString(CultureInfo.InvariantCulture)}.";
            form.Add((entry + "Name", name));
            form.Add((entry + "Value.DataType", value.DataType));
            if (value.StringValue is not null) form.Add((entry + "Value.StringValue", value.StringValue));
        }
    }

    private static void AddMap(List<(string, string)> form, string name, Dictionary<string, string> map)
    {
        var i = 0;
        foreach (var (key, value) in map)
        {
            var entry = $"{name}.entry.{(++i).ToString(CultureInfo.InvariantCulture)}.";
            form.Add((entry + "key", key));
            form.Add((entry + "value", value));
        }
    }

    private static string Required(string? value, string name) =>
        value ?? throw new ArgumentException($"SNS request without {name}.", name);

    private static string Truncate(string text) => text.Length <= 200 ? text : text[..200] + "…";
}
