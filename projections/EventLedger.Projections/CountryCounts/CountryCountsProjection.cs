using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.Projections.Common;
using EventLedger.Projections.Contracts;
using EventLedger.Projections.DynamoDb;

namespace EventLedger.Projections.CountryCounts;

/// <summary>
/// Keeps country-counts. By default with batch calls (<see cref="BatchReadFoldPut"/>): BatchGetItem of the batch's
/// (invoice, country) rows, the version-guarded fold in memory, BatchWriteItem of the changed rows; this relies on the
/// host's shard lease making it the single writer per invoice (see <see cref="ProjectionWriteOptions.ConditionalRowWrites"/>).
/// With <see cref="ProjectionWriteOptions.ConditionalRowWrites"/>: one conditional UpdateItem per (invoice, country) per
/// batch (ADD the count deltas, SET or REMOVE the verifier, SET the version) on condition that the row has applied none
/// of the batch's events for it; on overlap, the read-fold-write fallback (see <see cref="ReadFoldWrite"/>).
/// </summary>
public sealed class CountryCountsProjection(IAmazonDynamoDB dynamoDb, string tableName, ProjectionWriteOptions? options = null)
    : DynamoDbProjection(dynamoDb, tableName, options)
{
    public const string ProjectionName = "country-counts";
    public const int CurrentSchemaVersion = 1;

    public override string Name => ProjectionName;
    public override int SchemaVersion => CurrentSchemaVersion;

    public override async ValueTask ApplyAsync(ProjectionBatch batch, CancellationToken cancellationToken)
    {
        var changes = CountryCountsFold.Changes(batch.Events);
        if (changes.Count == 0)
        {
            return;
        }

        using var db = OpenClient();
        if (!Options.ConditionalRowWrites)
        {
            await BatchReadFoldPut.RunAsync(db, TableName, changes, c => (c.InvoiceNumber, c.Country), r => (r.InvoiceNumber, r.Country),
                c => CountryCountsTable.Key(c.InvoiceNumber, c.Country), CountryCountsTable.FromItem,
                (row, change) => CountryCountsFold.Apply(row, change.Events), CountryCountsTable.ToItem, cancellationToken);
            return;
        }

        await Task.WhenAll(changes.Select(change => WriteAsync(db, change, cancellationToken)));
    }

    private async Task WriteAsync(BoundedDynamoDb db, CountryCountsChange change, CancellationToken cancellationToken)
    {
        try
        {
            await db.CallAsync((d, ct) => d.UpdateItemAsync(ToUpdate(change), ct), cancellationToken);
        }
        catch (ConditionalCheckFailedException)
        {
            await ReadFoldWrite.RunAsync(db, TableName, CountryCountsTable.Key(change.InvoiceNumber, change.Country),
                CountryCountsTable.InvoiceNumber, CountryCountsTable.FromItem, row => CountryCountsFold.Apply(row, change.Events)!,
                row => row.LastAppliedVersion, CountryCountsTable.ToItem, cancellationToken);
        }
    }

    private UpdateItemRequest ToUpdate(CountryCountsChange change)
    {
        var set = "#v = :last";
        var remove = string.Empty;
        var names = new Dictionary<string, string>
        {
            ["#pk"] = CountryCountsTable.InvoiceNumber,
            ["#v"] = CountryCountsTable.LastAppliedVersion,
            ["#count"] = CountryCountsTable.TransactionCount,
            ["#verified"] = CountryCountsTable.VerifiedTransactionCount,
        };
        var values = new Dictionary<string, AttributeValue>
        {
            [":last"] = Attr.N(change.LastVersion),
            [":first"] = Attr.N(change.FirstVersion),
            [":count"] = Attr.N(change.TransactionCountDelta),
            [":verified"] = Attr.N(change.VerifiedTransactionCountDelta),
        };
        if (change.VerifierObserved)
        {
            names["#verifier"] = CountryCountsTable.Verifier;
            if (change.Verifier is { } verifier)
            {
                set += ", #verifier = :verifier";
                values[":verifier"] = Attr.S(verifier);
            }
            else
            {
                remove = " REMOVE #verifier";
            }
        }

        return new UpdateItemRequest
        {
            TableName = TableName,
            Key = CountryCountsTable.Key(change.InvoiceNumber, change.Country),
            UpdateExpression = $"SET {set} ADD #count :count, #verified :verified{remove}",
            ConditionExpression = "attribute_not_exists(#pk) OR #v < :first",
            ExpressionAttributeNames = names,
            ExpressionAttributeValues = values,
        };
    }
}
