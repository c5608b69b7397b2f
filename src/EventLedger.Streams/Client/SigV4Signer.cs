using System.Text;
using Amazon.Runtime;
using Amazon.Runtime.Internal.Auth;

namespace EventLedger.Streams.Client;

/// <summary>
/// Signs a POST (the Streams client's JSON, the SNS sink's form) with Signature Version 4. The canonical request is built
/// here (POST, path, no query, the signed headers, the payload hash); hashing, key derivation and the Authorization
/// value come from AWSSDK.Core's <see cref="AWS4Signer"/>.
/// </summary>
internal static class SigV4Signer
{
    public const string DateHeader = "X-Amz-Date";
    public const string SecurityTokenHeader = "X-Amz-Security-Token";

    /// <summary>Adds X-Amz-Date, X-Amz-Security-Token (for session credentials) and Authorization to <paramref name="request"/>.</summary>
    /// <param name="target">The X-Amz-Target of a JSON protocol call; null for a query-protocol (form) call.</param>
    public static void Sign(
        HttpRequestMessage request,
        byte[] body,
        string contentType,
        string? target,
        ImmutableCredentials credentials,
        string region,
        string service,
        DateTime signedAt)
    {
        var uri = request.RequestUri ?? throw new ArgumentException("The request has no URI.", nameof(request));
        var amzDate = AWS4Signer.FormatDateTime(signedAt, "yyyyMMddTHHmmssZ");

        var headers = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["content-type"] = contentType,
            ["host"] = uri.Authority,
            ["x-amz-date"] = amzDate,
        };
        if (target is not null)
        {
            headers["x-amz-target"] = target;
        }

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

        canonical.Append('\n')
            .Append(signedHeaders).Append('\n')
            .Append(Convert.ToHexStringLower(AWS4Signer.ComputeHash(body)));

        var result = AWS4Signer.ComputeSignature(credentials, region, signedAt, service, signedHeaders, canonical.ToString());

        request.Headers.TryAddWithoutValidation(DateHeader, amzDate);
        if (credentials.UseToken)
        {
            request.Headers.TryAddWithoutValidation(SecurityTokenHeader, credentials.Token);
        }

        request.Headers.TryAddWithoutValidation("Authorization", result.ForAuthorizationHeader);
    }
}
