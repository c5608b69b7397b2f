using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.Projections.DynamoDb;

namespace EventLedger.Projections.InvoiceTransactions;

/// <summary>Reads invoice-transactions (consistent reads). Construct one per table version; it is cheap.</summary>
public sealed class InvoiceTransactionsQueries(IAmazonDynamoDB dynamoDb, string tableName)
{
    public string TableName => tableName;

    /// <summary>
    /// The invoice's transactions whose id starts with <paramref name="prefix"/> (all when null or empty), ordered by
    /// transaction id (byte order), following every page. Voided transactions are left out unless <paramref name="includeVoided"/>.
    /// </summary>
    public async Task<IReadOnlyList<InvoiceTransactionRow>> ListAsync(
        string invoiceNumber, string? prefix = null, bool includeVoided = false, CancellationToken cancellationToken = default)
    {
        var request = new QueryRequest
        {
            TableName = tableName,
            KeyConditionExpression = "#pk = :pk",
            ExpressionAttributeNames = new() { ["#pk"] = InvoiceTransactionsTable.InvoiceNumber },
            ExpressionAttributeValues = new() { [":pk"] = Attr.S(invoiceNumber) },
            ConsistentRead = true,
        };
        if (!string.IsNullOrEmpty(prefix))
        {
            request.KeyConditionExpression += " AND begins_with(#sk, :prefix)";
            request.ExpressionAttributeNames["#sk"] = InvoiceTransactionsTable.TransactionId;
            request.ExpressionAttributeValues[":prefix"] = Attr.S(prefix);
        }

        if (!includeVoided)
        {
            request.FilterExpression = "#status <> :voided";
            request.ExpressionAttributeNames["#status"] = InvoiceTransactionsTable.Status;
            request.ExpressionAttributeValues[":voided"] = Attr.S(InvoiceTransactionsTable.Voided);
        }

        var items = await Paging.QueryAllAsync(dynamoDb, request, cancellationToken);
        return [.. items.Select(InvoiceTransactionsTable.FromItem)];
    }
}
