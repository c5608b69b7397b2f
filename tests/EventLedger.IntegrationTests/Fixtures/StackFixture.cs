using Amazon.DynamoDBv2;
using EventLedger.EmbeddedStack;
using EventLedger.EventStore;
using EventLedger.EventStore.Tables;
using Microsoft.Extensions.Logging.Abstractions;

namespace EventLedger.IntegrationTests.Fixtures;

/// <summary>
/// One DynamoDB Local and one PostgreSQL for the whole test assembly: the configured endpoints if the environment
/// names them, else Testcontainers where Docker answers, else local processes started by <see cref="LocalStack"/>.
/// Each test class isolates itself with its own table prefix / schema (see <see cref="NewPrefix"/>). What the local
/// processes need is set up first (<see cref="Prerequisites"/>).
/// </summary>
public sealed class StackFixture : IAsyncLifetime
{
    public LocalStack Stack { get; private set; } = null!;
    public IAmazonDynamoDB DynamoDb { get; private set; } = null!;
    public string PostgresConnectionString => Stack.PostgresConnectionString!;

    public async Task InitializeAsync()
    {
        await Prerequisites.EnsureAsync();
        Stack = await LocalStack.StartAsync(EmbeddedStackOptions.FromEnvironment() with { UseTestcontainers = true }, logger: null, CancellationToken.None);
        DynamoDb = DynamoDbClients.Create(Stack.DynamoDbEndpoint);
    }

    public async Task DisposeAsync()
    {
        DynamoDb.Dispose();
        await Stack.DisposeAsync();
    }

    /// <summary>The event store's tables under <paramref name="prefix"/>, created, and the store over them.</summary>
    public async Task<InvoiceEventStore> EventStoreAsync(string prefix)
    {
        var tables = new EventStoreTables(prefix);
        await EventStoreSchema.EnsureCreatedAsync(DynamoDb, tables, CancellationToken.None);
        return new InvoiceEventStore(DynamoDb, tables, TimeProvider.System, NullLogger<InvoiceEventStore>.Instance);
    }

    /// <summary>A unique table-name prefix for one test class or test.</summary>
    public static string NewPrefix(string name) => $"t{Guid.NewGuid().ToString("N")[..8]}-{name}-";
}

[CollectionDefinition(Name)]
public sealed class StackCollection : ICollectionFixture<StackFixture>
{
    public const string Name = "Local stack";
}
