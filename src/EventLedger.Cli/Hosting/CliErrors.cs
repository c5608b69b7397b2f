using System.Net.Sockets;
using Amazon.Runtime;

namespace EventLedger.Cli.Hosting;

/// <summary>Turns the failures an operator can fix (an endpoint that does not answer, bad credentials) into one clear line.</summary>
public static class CliErrors
{
    public static string? Describe(Exception ex)
    {
        var root = ex;
        while (root.InnerException is not null && root is not AmazonServiceException)
        {
            root = root.InnerException;
        }

        return root switch
        {
            SocketException s => $"cannot reach a configured endpoint ({s.SocketErrorCode}): {ex.Message}. Check EVENTLEDGER_DYNAMODB_ENDPOINT / EVENTLEDGER_POSTGRES, or unset them to use the embedded local stack.",
            HttpRequestException h => $"cannot reach a configured endpoint: {h.Message}. Check EVENTLEDGER_DYNAMODB_ENDPOINT / EVENTLEDGER_POSTGRES, or unset them to use the embedded local stack.",
            AmazonServiceException a => $"DynamoDB refused the request ({a.ErrorCode}): {a.Message}",
            AmazonClientException c => $"DynamoDB client error: {c.Message}",
            InvalidOperationException or TimeoutException or FileNotFoundException => ex.Message,
            _ => null,
        };
    }
}
