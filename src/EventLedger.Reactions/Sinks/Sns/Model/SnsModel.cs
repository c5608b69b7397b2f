using System.Net;

namespace EventLedger.Reactions.Sinks.Sns.Model;

// Shaped like AWSSDK.SimpleNotificationService's request and response types (same names and properties), so the official
// package can replace this client when the mirror serves it (see ADR 0012).

public sealed class MessageAttributeValue
{
    public string DataType { get; set; } = "String";
    public string? StringValue { get; set; }
}

public sealed class PublishRequest
{
    public string? TopicArn { get; set; }
    public string? Message { get; set; }
    public string? Subject { get; set; }
    public string? MessageGroupId { get; set; }
    public string? MessageDeduplicationId { get; set; }
    public Dictionary<string, MessageAttributeValue> MessageAttributes { get; set; } = [];
}

public sealed class PublishResponse
{
    public string? MessageId { get; set; }
    public string? SequenceNumber { get; set; }
}

public sealed class PublishBatchRequestEntry
{
    public string? Id { get; set; }
    public string? Message { get; set; }
    public string? Subject { get; set; }
    public string? MessageGroupId { get; set; }
    public string? MessageDeduplicationId { get; set; }
    public Dictionary<string, MessageAttributeValue> MessageAttributes { get; set; } = [];
}

public sealed class PublishBatchRequest
{
    public string? TopicArn { get; set; }
    public List<PublishBatchRequestEntry> PublishBatchRequestEntries { get; set; } = [];
}

public sealed class PublishBatchResultEntry
{
    public string? Id { get; set; }
    public string? MessageId { get; set; }
}

public sealed class BatchResultErrorEntry
{
    public string? Id { get; set; }
    public string? Code { get; set; }
    public string? Message { get; set; }
    public bool SenderFault { get; set; }
}

public sealed class PublishBatchResponse
{
    public List<PublishBatchResultEntry> Successful { get; set; } = [];
    public List<BatchResultErrorEntry> Failed { get; set; } = [];
}

public sealed class CreateTopicRequest
{
    public string? Name { get; set; }
    public Dictionary<string, string> Attributes { get; set; } = [];
}

public sealed class CreateTopicResponse
{
    public string? TopicArn { get; set; }
}

public sealed class SubscribeRequest
{
    public string? TopicArn { get; set; }
    public string? Protocol { get; set; }
    public string? Endpoint { get; set; }
    public Dictionary<string, string> Attributes { get; set; } = [];
}

public sealed class SubscribeResponse
{
    public string? SubscriptionArn { get; set; }
}

/// <summary>An SNS error response (<c>ErrorResponse/Error</c>), like the SDK's <c>AmazonSimpleNotificationServiceException</c>.</summary>
public sealed class AmazonSimpleNotificationServiceException(string message, string errorCode, bool senderFault, HttpStatusCode statusCode)
    : Amazon.Runtime.AmazonServiceException(message, senderFault ? Amazon.Runtime.ErrorType.Sender : Amazon.Runtime.ErrorType.Receiver, errorCode, null, statusCode);
