using Amazon;
using Amazon.Runtime;

namespace EventLedger.Streams.Client;

/// <summary>Where the Streams client sends requests and how it signs them.</summary>
public sealed class DynamoDbStreamsClientConfig
{
    /// <summary>An explicit endpoint such as DynamoDB Local's <c>http://127.0.0.1:8000</c>. Null: <c>https://streams.dynamodb.{region}.amazonaws.com</c>.</summary>
    public string? ServiceURL { get; set; }

    /// <summary>The region; null takes the SDK's default chain (AWS_REGION, profile, instance metadata), else us-east-1.</summary>
    public RegionEndpoint? RegionEndpoint { get; set; }

    /// <summary>The region used in the signature; defaults to the region (use the same value as the DynamoDB client for DynamoDB Local, which keys its data by it).</summary>
    public string? AuthenticationRegion { get; set; }

    /// <summary>Per-request timeout.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The SigV4 service name. DynamoDB Streams signs as "dynamodb".</summary>
    public string SigningServiceName { get; set; } = "dynamodb";

    internal string ResolveRegion() =>
        RegionEndpoint?.SystemName ?? SafeFallbackRegion() ?? "us-east-1";

    internal Uri ResolveEndpoint() =>
        ServiceURL is { Length: > 0 } url
            ? new Uri(url.EndsWith('/') ? url : url + "/")
            : new Uri($"https://streams.dynamodb.{ResolveRegion()}.amazonaws.com/");

    internal string ResolveSigningRegion() => AuthenticationRegion ?? ResolveRegion();

    private static string? SafeFallbackRegion()
    {
        try
        {
            return FallbackRegionFactory.GetRegionEndpoint()?.SystemName;
        }
        catch (AmazonClientException)
        {
            return null;
        }
    }
}
