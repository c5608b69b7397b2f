using System.Net;
using Amazon.Runtime;
using EventLedger.Reactions.Configuration;

namespace EventLedger.Reactions.Sinks;

/// <summary>
/// Where an SQS or SNS sink sends and how it signs: the sink's own <c>ServiceUrl</c>, else the deployment's AWS endpoint
/// (<c>EVENTLEDGER_AWS_ENDPOINT</c> or the emulator the local stack started), each with fixed dummy credentials as for
/// DynamoDB Local; with neither, AWS itself with the SDK's default credential chain and the region named in the queue URL
/// or topic ARN (or <c>Region</c>).
/// </summary>
public sealed record AwsEndpoint(string? ServiceUrl, string Region, AWSCredentials? Credentials)
{
    public static AwsEndpoint For(SinkSettings sink, string? deploymentEndpoint)
    {
        var serviceUrl = sink.ServiceUrl ?? deploymentEndpoint;
        var region = sink.Region ?? RegionOf(sink) ?? "us-east-1";
        return serviceUrl is null
            ? new AwsEndpoint(null, region, null)
            : new AwsEndpoint(serviceUrl, region, new BasicAWSCredentials("local", "local"));
    }

    /// <summary>sqs.{region}.amazonaws.com/… or arn:aws:sns:{region}:…</summary>
    private static string? RegionOf(SinkSettings sink)
    {
        if (sink.TopicArn is { } arn && arn.Split(':') is { Length: >= 6 } parts && parts[3].Length > 0)
        {
            return parts[3];
        }

        if (sink.QueueUrl is { } url && Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.HostNameType == UriHostNameType.Dns
            && uri.Host.Split('.') is { Length: >= 3 } labels && labels[0] == "sqs" && labels[1] != "localhost" && !IPAddress.TryParse(uri.Host, out _))
        {
            return labels[1];
        }

        return null;
    }
}

/// <summary>How an AWS error or client failure maps to an outcome: server faults and throttling are retried, the rest rejected.</summary>
internal static class AwsFailures
{
    public static DeliveryOutcome Classify(Exception ex, string what) => ex switch
    {
        AmazonServiceException s when (int)s.StatusCode >= 500 || IsThrottling(s.ErrorCode) =>
            new DeliveryOutcome(DeliveryStatus.Retry, $"{what}: {s.ErrorCode} {s.Message}"),
        AmazonServiceException s => new DeliveryOutcome(DeliveryStatus.Rejected, $"{what}: {s.ErrorCode} {s.Message}"),
        _ => new DeliveryOutcome(DeliveryStatus.Retry, $"{what}: {ex.GetType().Name}: {ex.Message}"),
    };

    /// <summary>
    /// The outcome of each entry of an SQS or SNS batch call (entry ids are the message indexes): delivered where the service
    /// says so; a failed entry retried unless it is the sender's fault (throttling is retried anyway); an entry the answer does
    /// not mention is retried.
    /// </summary>
    public static DeliveryOutcome[] BatchOutcomes(
        int count, string what, IEnumerable<string> delivered, IEnumerable<(string Id, bool SenderFault, string? Code, string? Message)> failed)
    {
        var outcomes = Enumerable.Repeat(new DeliveryOutcome(DeliveryStatus.Retry, $"{what} did not report this entry"), count).ToArray();
        foreach (var id in delivered)
        {
            outcomes[int.Parse(id, System.Globalization.CultureInfo.InvariantCulture)] = DeliveryOutcome.Delivered;
        }

        foreach (var (id, senderFault, code, message) in failed)
        {
            var retry = !senderFault || IsThrottling(code);
            outcomes[int.Parse(id, System.Globalization.CultureInfo.InvariantCulture)] =
                new DeliveryOutcome(retry ? DeliveryStatus.Retry : DeliveryStatus.Rejected, $"{what}: {code} {message}");
        }

        return outcomes;
    }

    public static bool IsThrottling(string? code) =>
        code is not null && (code.Contains("Throttl", StringComparison.OrdinalIgnoreCase) || code is "RequestLimitExceeded" or "ServiceUnavailable" or "KMSThrottlingException");
}
