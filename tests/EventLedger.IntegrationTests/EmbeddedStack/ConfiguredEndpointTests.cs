using EventLedger.EmbeddedStack;
using EventLedger.IntegrationTests.Fixtures;
using Npgsql;

namespace EventLedger.IntegrationTests.EmbeddedStack;

[Collection(StackCollection.Name)]
public sealed class ConfiguredEndpointTests(StackFixture fixture)
{
    [Fact]
    public async Task A_stack_given_both_endpoints_starts_nothing_and_uses_them()
    {
        var options = new EmbeddedStackOptions
        {
            DynamoDbEndpoint = fixture.Stack.DynamoDbEndpoint ?? EmbeddedStackOptions.RealAws,
            PostgresConnectionString = fixture.PostgresConnectionString,
        };

        await using var second = await LocalStack.StartAsync(options, logger: null, CancellationToken.None);

        Assert.Empty(second.StartedComponents);
        Assert.Equal(fixture.Stack.DynamoDbEndpoint, second.DynamoDbEndpoint);
        Assert.Equal(fixture.PostgresConnectionString, second.PostgresConnectionString);

        using var dynamo = DynamoDbClients.Create(second.DynamoDbEndpoint);
        await dynamo.ListTablesAsync(new Amazon.DynamoDBv2.Model.ListTablesRequest());
        await using var connection = new NpgsqlConnection(second.PostgresConnectionString);
        await connection.OpenAsync();
    }

    [Fact]
    public async Task The_literal_aws_means_the_sdk_default_chain()
    {
        var options = new EmbeddedStackOptions { DynamoDbEndpoint = "aws", NeedPostgres = false };

        await using var stack = await LocalStack.StartAsync(options, logger: null, CancellationToken.None);

        Assert.Null(stack.DynamoDbEndpoint);
        Assert.Null(stack.PostgresConnectionString);
        Assert.Empty(stack.StartedComponents);
    }

    [Fact]
    public async Task Components_not_needed_are_not_started()
    {
        var options = new EmbeddedStackOptions { NeedDynamoDb = false, NeedPostgres = false };

        await using var stack = await LocalStack.StartAsync(options, logger: null, CancellationToken.None);

        Assert.Empty(stack.StartedComponents);
        Assert.Null(stack.DynamoDbEndpoint);
        Assert.Null(stack.PostgresConnectionString);
    }
}
