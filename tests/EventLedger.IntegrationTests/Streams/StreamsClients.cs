using EventLedger.IntegrationTests.Fixtures;
using EventLedger.Streams.Client;

namespace EventLedger.IntegrationTests.Streams;

internal static class StreamsClients
{
    /// <summary>A Streams client for the fixture's DynamoDB, signed with the same key and region as the fixture's DynamoDB client.</summary>
    public static DynamoDbStreamsClient For(StackFixture fixture) =>
        fixture.Stack.DynamoDbEndpoint is { } endpoint ? DynamoDbStreamsClient.ForEndpoint(endpoint) : new DynamoDbStreamsClient();
}
