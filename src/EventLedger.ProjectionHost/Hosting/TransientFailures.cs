using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using EventLedger.Projections.Analytics;
using EventLedger.Projections.Contracts;

namespace EventLedger.ProjectionHost.Hosting;

/// <summary>
/// Which projection failures mean "the store is unavailable" (pause and retry the same batch) rather than "this record is
/// bad" (retry, bisect, then park it). Parking a whole stream's worth of good events because PostgreSQL restarted
/// would turn an outage into operator work.
/// </summary>
public static class TransientFailures
{
    public static bool IsTransient(Exception ex) => ex switch
    {
        AnalyticsStoreUnavailableException { IsTransient: true } => true,
        IStoreFailure { IsTransient: true } => true,
        AmazonServiceException { StatusCode: >= HttpStatusCode.InternalServerError } => true,
        AmazonServiceException a when a.ErrorCode is "ThrottlingException" or "ProvisionedThroughputExceededException" or "RequestLimitExceeded" => true,
        HttpRequestException or SocketException or TimeoutException => true,
        _ => ex.InnerException is { } inner && IsTransient(inner),
    };

    /// <summary>
    /// Whether the projection found its store's checkpoint moved from where its last commit left it (<see cref="ICheckpointMoved"/>):
    /// the shard is read again from the stored checkpoint instead of retrying the batch.
    /// </summary>
    public static bool RestartsFromStoredCheckpoint(Exception ex) => ex is ICheckpointMoved || (ex.InnerException is { } inner && RestartsFromStoredCheckpoint(inner));
}
