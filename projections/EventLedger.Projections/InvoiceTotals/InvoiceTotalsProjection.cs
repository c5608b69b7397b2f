using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.Projections.Common;
using EventLedger.Projections.Contracts;
using EventLedger.Projections.DynamoDb;

namespace EventLedger.Projections.InvoiceTotals;

/// <summary>
/// Keeps invoice-totals. By default with batch calls (<see cref="BatchReadFoldPut"/>): BatchGetItem of the batch's
/// invoices, the version-guarded fold in memory, BatchWriteItem of the changed rows; this relies on the host's shard lease
/// making it the single writer per invoice (see <see cref="ProjectionWriteOptions.ConditionalRowWrites"/> for the trade-off).
/// With <see cref="ProjectionWriteOptions.ConditionalRowWrites"/>: one conditional UpdateItem per invoice per batch (ADD
/// the batch's deltas, SET the version), on condition that the row has applied none of the batch's events; if it has
/// (redelivery, overlap), the condition fails and the row is read, only newer events are folded, and it is written back
/// on condition of the version read.
/// </summary>
public sealed class InvoiceTotalsProjection(IAmazonDynamoDB dynamoDb, string tableName, ProjectionWriteOptions? options = null)
    : DynamoDbProjection(dynamoDb, tableName, options)
{
    public const string ProjectionName = "invoice-totals";
    public const int CurrentSchemaVersion = 1;

    public override string Name => ProjectionName;
    public override int SchemaVersion => CurrentSchemaVersion;

    public override async ValueTask ApplyAsync(ProjectionBatch batch, CancellationToken cancellationToken)
    {
        var changes = InvoiceTotalsFold.Changes(batch.Events);
        if (changes.Count == 0)
        {
            return;
        }

        using var db = OpenClient();
        if (!Options.ConditionalRowWrites)
        {
            await BatchReadFoldPut.RunAsync(db, TableName, changes, c => c.InvoiceNumber, r => r.InvoiceNumber,
                c => InvoiceTotalsTable.Key(c.InvoiceNumber), InvoiceTotalsTable.FromItem,
                (row, change) => InvoiceTotalsFold.Apply(row, change.Events), InvoiceTotalsTable.ToItem, cancellationToken);
            return;
        }

        await Task.WhenAll(changes.Select(change => WriteAsync(db, change, cancellationToken)));
    }

    private async Task WriteAsync(BoundedDynamoDb db, InvoiceTotalsChange change, CancellationToken cancellationToken)
    {
        try
        {
            await db.CallAsync((d, ct) => d.UpdateItemAsync(ToUpdate(change), ct), cancellationToken);
        }
        catch (ConditionalCheckFailedException)
        {
            await ReadFoldWrite.RunAsync(db, TableName, InvoiceTotalsTable.Key(change.InvoiceNumber), InvoiceTotalsTable.InvoiceNumber,
                InvoiceTotalsTable.FromItem, row => InvoiceTotalsFold.Apply(row, change.Events)!, row => row.LastAppliedVersion,
                InvoiceTotalsTable.ToItem, cancellationToken);
        }
    }

    private UpdateItemRequest ToUpdate(InvoiceTotalsChange change)
    {
        var set = "#v = :last, #at = :at";
        var values = new Dictionary<string, AttributeValue>
        {
            [":last"] = Attr.N(change.LastVersion),
            [":first"] = Attr.N(change.FirstVersion),
            [":at"] = Attr.Time(change.UpdatedAt),
            [":total"] = Attr.N(change.TotalDelta),
            [":count"] = Attr.N(change.TransactionCountDelta),
        };
        var names = new Dictionary<string, string>
        {
            ["#pk"] = InvoiceTotalsTable.InvoiceNumber,
            ["#v"] = InvoiceTotalsTable.LastAppliedVersion,
            ["#at"] = InvoiceTotalsTable.UpdatedAt,
            ["#total"] = InvoiceTotalsTable.Total,
            ["#count"] = InvoiceTotalsTable.TransactionCount,
        };
        if (change.Currency is { } currency)
        {
            set += ", #cur = :cur";
            names["#cur"] = InvoiceTotalsTable.Currency;
            values[":cur"] = Attr.S(currency);
        }

        return new UpdateItemRequest
        {
            TableName = TableName,
            Key = InvoiceTotalsTable.Key(change.InvoiceNumber),
            // ADD on an absent attribute starts from 0, so the first batch creates the row with the right totals.
            UpdateExpression = $"SET {set} ADD #total :total, #count :count",
            ConditionExpression = "attribute_not_exists(#pk) OR #v < :first",
            ExpressionAttributeNames = names,
            ExpressionAttributeValues = values,
        };
    }
}
