using Amazon.DynamoDBv2;
using EventLedger.Projections.Common;
using EventLedger.Projections.Contracts;
using EventLedger.Projections.DynamoDb;

namespace EventLedger.Projections.InvoiceHistory;

/// <summary>
/// Keeps invoice-history with BatchWriteItem (25 a call), without reading first: a row is a pure function of its event
/// and is keyed by the event's version, so putting it again (redelivery, overlap, replay) writes the same item and an
/// older event can only ever rewrite its own identical row. No write order or single-writer assumption is needed.
/// </summary>
public sealed class InvoiceHistoryProjection : IProjection
{
    public const string ProjectionName = "invoice-history";
    public const int CurrentSchemaVersion = 1;

    private readonly IAmazonDynamoDB _dynamoDb;
    private readonly ProjectionWriteOptions _options;

    public InvoiceHistoryProjection(IAmazonDynamoDB dynamoDb, string tableName, ProjectionWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(dynamoDb);
        ArgumentException.ThrowIfNullOrWhiteSpace(tableName);
        _dynamoDb = dynamoDb;
        TableName = tableName;
        _options = (options ?? ProjectionWriteOptions.Default).Validated();
    }

    public string Name => ProjectionName;
    public int SchemaVersion => CurrentSchemaVersion;
    public string TableName { get; }

    public async ValueTask ApplyAsync(ProjectionBatch batch, CancellationToken cancellationToken)
    {
        var rows = InvoiceHistoryFold.Changes(batch.Events);
        if (rows.Count == 0)
        {
            return;
        }

        using var db = new BoundedDynamoDb(_dynamoDb, _options);
        await db.BatchPutAsync(TableName, [.. rows.Select(InvoiceHistoryTable.ToItem)], cancellationToken);
    }
}
