using System.Net.Sockets;
using Amazon.Runtime;
using EventLedger.EmbeddedStack;
using EventLedger.Projections.Analytics;

namespace EventLedger.Cli.Hosting;

/// <summary>Turns the failures an operator can fix (an endpoint that does not answer, bad credentials) into one clear line.</summary>
internal static class CliErrors
{
    public static string? Describe(Exception ex)
    {
        if (FirstOf<AnalyticsStoreException>(ex) is { } analytics)
        {
            return $"PostgreSQL (analytics): {analytics.Message}. Check EVENTLEDGER_POSTGRES, or unset it to use the embedded local stack.";
        }

        if (FirstOf<EmbeddedStackException>(ex) is { } stack)
        {
            return stack.Message;
        }

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

    private static T? FirstOf<T>(Exception? ex) where T : Exception
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is T found)
            {
                return found;
            }

            if (ex is AggregateException { InnerExceptions.Count: > 0 } aggregate && FirstOf<T>(aggregate.InnerExceptions[0]) is { } inner)
            {
                return inner;
            }
        }

        return null;
    }
}
