using System.Globalization;
using System.Net;
using System.Text;
using System.Xml.Linq;
using Amazon.Runtime;
using Amazon.Runtime.Internal.Auth;
using EventLedger.Reactions.Sinks.Sns.Model;
using EventLedger.Streams.Client;

namespace EventLedger.Reactions.Sinks.Sns;

/// <summary>
/// A thin SNS client: the Query protocol (form-encoded POST, XML answers, API version 2010-03-31), sent signed by the
/// Streams client's <see cref="SignedAwsSender"/> (SigV4, one process-wide <see cref="HttpClient"/>). AWSSDK.SimpleNotificationService
/// is not served by this machine's mirror; this covers the four operations EventLedger needs (ADR 0012).
/// Errors are <see cref="AmazonSimpleNotificationServiceException"/>; retrying is the caller's business.
/// </summary>
public sealed class SnsClient : IAmazonSimpleNotificationService
{
    private const string Version = "2010-03-31";
    private const string ContentType = "application/x-www-form-urlencoded; charset=utf-8";
    private static readonly XNamespace Ns = "http://sns.amazonaws.com/doc/2010-03-31/";

    private readonly SignedAwsSender _sender;

    public SnsClient(AwsEndpoint endpoint, TimeSpan? timeout = null)
    {
        var url = endpoint.ServiceUrl is { } serviceUrl
            ? new Uri(serviceUrl.EndsWith('/') ? serviceUrl : serviceUrl + "/")
            : new Uri($"https://sns.{endpoint.Region}.amazonaws.com/");
        _sender = new SignedAwsSender("SNS", url, endpoint.Region, "sns", endpoint.Credentials, timeout ?? TimeSpan.FromSeconds(20),
            (message, cause) => new AmazonClientException(message, cause));
    }

    public Uri Endpoint => _sender.Endpoint;

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

    public void Dispose() => _sender.Dispose();

    private async Task<XElement> SendAsync(string action, List<(string Key, string Value)> form, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(string.Join('&',
            new[] { ("Action", action), ("Version", Version) }.Concat(form).Select(p => $"{Uri.EscapeDataString(p.Item1)}={Uri.EscapeDataString(p.Item2)}")));
        var answer = await _sender.SendAsync(action, body, ContentType, target: null, cancellationToken);
        XDocument document;
        try
        {
            using var stream = new MemoryStream(answer.Body, writable: false);
            document = XDocument.Load(stream);
        }
        catch (System.Xml.XmlException)
        {
            throw new AmazonSimpleNotificationServiceException(
                $"SNS {action} answered {(int)answer.StatusCode} with a body that is not XML: {Truncate(Encoding.UTF8.GetString(answer.Body))}",
                "InvalidResponse", false, answer.StatusCode);
        }

        var root = document.Root!;
        if (!answer.IsSuccessStatusCode || root.Name.LocalName == "ErrorResponse")
        {
            var error = root.Descendants().FirstOrDefault(e => e.Name.LocalName == "Error");
            string? Field(string name) => error?.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value;
            throw new AmazonSimpleNotificationServiceException(
                Field("Message") ?? $"SNS {action} failed with {(int)answer.StatusCode}",
                Field("Code") ?? answer.StatusCode.ToString(),
                Field("Type") != "Receiver" && (int)answer.StatusCode < 500,
                answer.IsSuccessStatusCode ? HttpStatusCode.BadRequest : answer.StatusCode);
        }

        return root.Element(Ns + action + "Result")
            ?? root.Elements().FirstOrDefault(e => e.Name.LocalName == action + "Result")
            ?? throw new AmazonSimpleNotificationServiceException($"SNS {action} answered without a {action}Result.", "InvalidResponse", false, answer.StatusCode);
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
