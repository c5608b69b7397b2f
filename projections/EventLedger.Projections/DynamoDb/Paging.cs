using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace EventLedger.Projections.DynamoDb;

internal static class Paging
{
    /// <summary>Runs a query to the end, following LastEvaluatedKey (DynamoDB pages at 1 MB, before any filter).</summary>
    public static async Task<List<Dictionary<string, AttributeValue>>> QueryAllAsync(
        IAmazonDynamoDB dynamoDb, QueryRequest request, CancellationToken cancellationToken)
    {
        var items = new List<Dictionary<string, AttributeValue>>();
        do
        {
            var response = await dynamoDb.QueryAsync(request, cancellationToken);
            if (response.Items is { } page)
            {
                items.AddRange(page);
            }

            request.ExclusiveStartKey = response.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (request.ExclusiveStartKey is not null);

        return items;
    }
}
