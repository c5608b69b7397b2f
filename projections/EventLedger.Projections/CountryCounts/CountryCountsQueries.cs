using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.Projections.DynamoDb;

namespace EventLedger.Projections.CountryCounts;

/// <summary>Reads country-counts (consistent reads). Construct one per table version; it is cheap.</summary>
public sealed class CountryCountsQueries(IAmazonDynamoDB dynamoDb, string tableName)
{
    public string TableName => tableName;

    /// <summary>The invoice's rows, ordered by country (the sort key's byte order); empty when none.</summary>
    public async Task<IReadOnlyList<CountryCountsRow>> ListAsync(string invoiceNumber, CancellationToken cancellationToken = default)
    {
        var items = await Paging.QueryAllAsync(dynamoDb, new QueryRequest
        {
            TableName = tableName,
            KeyConditionExpression = "#pk = :pk",
            ExpressionAttributeNames = new() { ["#pk"] = CountryCountsTable.InvoiceNumber },
            ExpressionAttributeValues = new() { [":pk"] = Attr.S(invoiceNumber) },
            ConsistentRead = true,
        }, cancellationToken);
        return [.. items.Select(CountryCountsTable.FromItem)];
    }
}
