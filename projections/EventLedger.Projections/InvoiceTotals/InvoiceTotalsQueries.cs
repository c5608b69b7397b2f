using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace EventLedger.Projections.InvoiceTotals;

/// <summary>Reads invoice-totals (consistent reads). Construct one per table version; it is cheap.</summary>
public sealed class InvoiceTotalsQueries(IAmazonDynamoDB dynamoDb, string tableName)
{
    public string TableName => tableName;

    /// <summary>The invoice's totals row, or null when the read model has no event of that invoice (yet).</summary>
    public async Task<InvoiceTotalsRow?> GetAsync(string invoiceNumber, CancellationToken cancellationToken = default)
    {
        var response = await dynamoDb.GetItemAsync(new GetItemRequest
        {
            TableName = tableName,
            Key = InvoiceTotalsTable.Key(invoiceNumber),
            ConsistentRead = true,
        }, cancellationToken);
        return response.Item is { Count: > 0 } item ? InvoiceTotalsTable.FromItem(item) : null;
    }
}
