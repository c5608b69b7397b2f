using Amazon.DynamoDBv2;
using EventLedger.Projections.Common;
using EventLedger.Projections.Contracts;

namespace EventLedger.Projections.DynamoDb;

/// <summary>What every DynamoDB read model's projection has: the table it writes and a bounded client for its writes.</summary>
public abstract class DynamoDbProjection : IProjection
{
    private readonly IAmazonDynamoDB _dynamoDb;

    protected DynamoDbProjection(IAmazonDynamoDB dynamoDb, string tableName, ProjectionWriteOptions? options)
    {
        ArgumentNullException.ThrowIfNull(dynamoDb);
        ArgumentException.ThrowIfNullOrWhiteSpace(tableName);
        _dynamoDb = dynamoDb;
        TableName = tableName;
        Options = (options ?? ProjectionWriteOptions.Default).Validated();
    }

    public abstract string Name { get; }
    public abstract int SchemaVersion { get; }
    public string TableName { get; }
    protected ProjectionWriteOptions Options { get; }

    public abstract ValueTask ApplyAsync(ProjectionBatch batch, CancellationToken cancellationToken);

    /// <summary>A client that bounds in-flight calls and retries throttling for one batch's writes.</summary>
    private protected BoundedDynamoDb OpenClient() => new(_dynamoDb, Options);
}
