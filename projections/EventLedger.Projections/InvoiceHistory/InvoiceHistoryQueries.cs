using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.Projections.DynamoDb;

namespace EventLedger.Projections.InvoiceHistory;

/// <summary>Reads invoice-history (consistent reads). Construct one per table version; it is cheap.</summary>
public sealed class InvoiceHistoryQueries(IAmazonDynamoDB dynamoDb, string tableName)
{
    public string TableName => tableName;

    /// <summary>Every event of the invoice in version order (all pages); empty when none.</summary>
    public async Task<IReadOnlyList<InvoiceHistoryRow>> ListAsync(string invoiceNumber, CancellationToken cancellationToken = default)
    {
        var items = await Paging.QueryAllAsync(dynamoDb, new QueryRequest
        {
            TableName = tableName,
            KeyConditionExpression = "#pk = :pk",
            ExpressionAttributeNames = new() { ["#pk"] = InvoiceHistoryTable.InvoiceNumber },
            ExpressionAttributeValues = new() { [":pk"] = Attr.S(invoiceNumber) },
            ScanIndexForward = true,
            ConsistentRead = true,
        }, cancellationToken);
        return [.. items.Select(InvoiceHistoryTable.FromItem)];
    }
}
