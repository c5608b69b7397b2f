using EventLedger.EmbeddedStack;

namespace EventLedger.Server;

/// <summary>
/// Where EventLedger's stores are. Endpoints given here (or by <c>EVENTLEDGER_DYNAMODB_ENDPOINT</c>,
/// <c>EVENTLEDGER_POSTGRES</c>) win; when none is given the CLI starts the embedded local stack.
/// </summary>
public sealed record EventLedgerSettings
{
    public const string TablePrefixVariable = "EVENTLEDGER_TABLE_PREFIX";

    /// <summary>http://host:port of DynamoDB (Local), or null for real DynamoDB through the SDK's default chain.</summary>
    public string? DynamoDbEndpoint { get; init; }

    public string? PostgresConnectionString { get; init; }

    /// <summary>http://host:port of the SQS/SNS endpoint (emulator) for reactions, or null for AWS itself.</summary>
    public string? AwsEndpoint { get; init; }

    /// <summary>Prefix of every table name, so several environments can share one account.</summary>
    public string TablePrefix { get; init; } = "eventledger-";

    /// <summary>Authentication off (<c>serve --insecure</c>): any caller may write, read and operate. Only from the command line, never from configuration.</summary>
    public bool Insecure { get; init; }

    public static EventLedgerSettings FromStack(LocalStack stack, string? tablePrefix = null) => new()
    {
        DynamoDbEndpoint = stack.DynamoDbEndpoint,
        PostgresConnectionString = stack.PostgresConnectionString,
        AwsEndpoint = stack.AwsEndpoint,
        TablePrefix = tablePrefix ?? (Environment.GetEnvironmentVariable(TablePrefixVariable) is { Length: > 0 } p ? p : "eventledger-"),
    };
}
