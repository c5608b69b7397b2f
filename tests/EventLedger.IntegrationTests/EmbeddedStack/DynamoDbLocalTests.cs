using Amazon.DynamoDBv2.Model;
using EventLedger.IntegrationTests.Fixtures;

namespace EventLedger.IntegrationTests.EmbeddedStack;

[Collection(StackCollection.Name)]
public sealed class DynamoDbLocalTests(StackFixture fixture)
{
    [Fact]
    public async Task A_created_table_is_listed_and_holds_items()
    {
        var table = StackFixture.NewPrefix("stack") + "items";
        await fixture.DynamoDb.CreateTableAsync(new CreateTableRequest
        {
            TableName = table,
            BillingMode = Amazon.DynamoDBv2.BillingMode.PAY_PER_REQUEST,
            KeySchema = [new KeySchemaElement("Id", Amazon.DynamoDBv2.KeyType.HASH)],
            AttributeDefinitions = [new AttributeDefinition("Id", Amazon.DynamoDBv2.ScalarAttributeType.S)],
            StreamSpecification = new StreamSpecification { StreamEnabled = true, StreamViewType = Amazon.DynamoDBv2.StreamViewType.NEW_IMAGE },
        });
        try
        {
            var tables = new List<string>();
            ListTablesResponse page;
            string? start = null;
            do
            {
                page = await fixture.DynamoDb.ListTablesAsync(new ListTablesRequest { ExclusiveStartTableName = start });
                tables.AddRange(page.TableNames);
                start = page.LastEvaluatedTableName;
            }
            while (start is not null);

            Assert.Contains(table, tables);

            await fixture.DynamoDb.PutItemAsync(table, new Dictionary<string, AttributeValue> { ["Id"] = new("a"), ["N"] = new() { N = "1" } });
            var item = await fixture.DynamoDb.GetItemAsync(table, new Dictionary<string, AttributeValue> { ["Id"] = new("a") }, consistentRead: true);
            Assert.Equal("1", item.Item["N"].N);
        }
        finally
        {
            await fixture.DynamoDb.DeleteTableAsync(table);
        }
    }

    [Fact]
    public void The_endpoint_is_loopback_http_unless_configured()
    {
        if (Environment.GetEnvironmentVariable(EventLedger.EmbeddedStack.EmbeddedStackOptions.DynamoDbEndpointVariable) is { Length: > 0 })
        {
            return;
        }

        Assert.StartsWith("http://127.0.0.1:", fixture.Stack.DynamoDbEndpoint, StringComparison.Ordinal);
        Assert.Contains(EventLedger.EmbeddedStack.LocalStack.DynamoDbLocal, fixture.Stack.StartedComponents);
    }
}
