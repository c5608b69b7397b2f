using System.Net;
using System.Text.Json;

namespace EventLedger.Streams.Client;

/// <summary>Turns an error answer (<c>{"__type": "...#Code", "message": "..."}</c>) into a typed exception.</summary>
internal static class StreamsErrorMapper
{
    public static DynamoDbStreamsException Map(HttpStatusCode status, ReadOnlySpan<byte> body, string? requestId)
    {
        var (code, message) = Parse(body);
        code ??= status == HttpStatusCode.TooManyRequests ? "ThrottlingException" : $"Http{(int)status}";
        message = string.IsNullOrEmpty(message) ? $"{code} (HTTP {(int)status})." : message;
        return code switch
        {
            "ExpiredIteratorException" => new ExpiredIteratorException(message, requestId, status),
            "TrimmedDataAccessException" => new TrimmedDataAccessException(message, requestId, status),
            "ResourceNotFoundException" => new ResourceNotFoundException(message, requestId, status),
            "LimitExceededException" or "ThrottlingException" or "ProvisionedThroughputExceededException"
                or "ProvisionedThroughputExceeded" or "RequestLimitExceeded"
                => new StreamsThrottledException(message, code, requestId, status),
            _ => new DynamoDbStreamsException($"{code}: {message}", code, requestId, status),
        };
    }

    private static (string? Code, string? Message) Parse(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return (null, null);
        }

        try
        {
            var reader = new Utf8JsonReader(body);
            using var doc = JsonDocument.ParseValue(ref reader);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }

            string? code = null;
            string? message = null;
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (property.NameEquals("__type") && property.Value.ValueKind == JsonValueKind.String)
                {
                    var type = property.Value.GetString()!;
                    code = type[(type.LastIndexOf('#') + 1)..];
                }
                else if ((property.NameEquals("message") || property.NameEquals("Message")) && property.Value.ValueKind == JsonValueKind.String)
                {
                    message = property.Value.GetString();
                }
            }

            return (code, message);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }
}
