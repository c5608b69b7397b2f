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
public sealed class InvoiceHistoryProjection(IAmazonDynamoDB dynamoDb, string tableName, ProjectionWriteOptions? options = null)
    : DynamoDbProjection(dynamoDb, tableName, options)
{
    public const string ProjectionName = "invoice-history";
    public const int CurrentSchemaVersion = 1;

    public override string Name => ProjectionName;
    public override int SchemaVersion => CurrentSchemaVersion;

    public override async ValueTask ApplyAsync(ProjectionBatch batch, CancellationToken cancellationToken)
    {
        var rows = InvoiceHistoryFold.Changes(batch.Events);
        if (rows.Count == 0)
        {
            return;
        }

        using var db = OpenClient();
        await db.BatchPutAsync(TableName, [.. rows.Select(InvoiceHistoryTable.ToItem)], cancellationToken);
    }
}
