using System.Net;
using Amazon.Runtime;

namespace EventLedger.Streams.Client;

/// <summary>An error answered by the DynamoDB Streams endpoint; <see cref="AmazonServiceException.ErrorCode"/> holds the service's code.</summary>
public class DynamoDbStreamsException : AmazonServiceException
{
    public DynamoDbStreamsException()
    {
    }

    public DynamoDbStreamsException(string message) : base(message)
    {
    }

    public DynamoDbStreamsException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public DynamoDbStreamsException(string message, string errorCode, string? requestId, HttpStatusCode statusCode, Exception? innerException = null)
        : base(message, innerException, (int)statusCode >= 500 ? ErrorType.Receiver : ErrorType.Sender, errorCode, requestId, statusCode)
    {
    }
}

/// <summary>The shard iterator is older than 15 minutes (or otherwise invalid): get a new one from the checkpoint.</summary>
public sealed class ExpiredIteratorException : DynamoDbStreamsException
{
    public ExpiredIteratorException()
    {
    }

    public ExpiredIteratorException(string message) : base(message)
    {
    }

    public ExpiredIteratorException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public ExpiredIteratorException(string message, string? requestId, HttpStatusCode statusCode)
        : base(message, nameof(ExpiredIteratorException), requestId, statusCode)
    {
    }
}

/// <summary>The requested position is beyond the stream's 24-hour retention: those records are gone.</summary>
public sealed class TrimmedDataAccessException : DynamoDbStreamsException
{
    public TrimmedDataAccessException()
    {
    }

    public TrimmedDataAccessException(string message) : base(message)
    {
    }

    public TrimmedDataAccessException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public TrimmedDataAccessException(string message, string? requestId, HttpStatusCode statusCode)
        : base(message, nameof(TrimmedDataAccessException), requestId, statusCode)
    {
    }
}

/// <summary>The stream or shard does not exist (for example, a shard trimmed away after 24 hours).</summary>
public sealed class ResourceNotFoundException : DynamoDbStreamsException
{
    public ResourceNotFoundException()
    {
    }

    public ResourceNotFoundException(string message) : base(message)
    {
    }

    public ResourceNotFoundException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public ResourceNotFoundException(string message, string? requestId, HttpStatusCode statusCode)
        : base(message, nameof(ResourceNotFoundException), requestId, statusCode)
    {
    }
}

/// <summary>
/// The request was rejected for rate: <c>LimitExceededException</c>, <c>ThrottlingException</c> or
/// <c>ProvisionedThroughputExceededException</c> (the original code is in <see cref="AmazonServiceException.ErrorCode"/>). Back off and retry.
/// </summary>
public sealed class StreamsThrottledException : DynamoDbStreamsException
{
    public StreamsThrottledException()
    {
    }

    public StreamsThrottledException(string message) : base(message)
    {
    }

    public StreamsThrottledException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public StreamsThrottledException(string message, string errorCode, string? requestId, HttpStatusCode statusCode)
        : base(message, errorCode, requestId, statusCode)
    {
    }
}
