using EventLedger.EmbeddedStack;
using EventLedger.IntegrationTests.Fixtures;
using Npgsql;
using Xunit.Abstractions;

namespace EventLedger.IntegrationTests.EmbeddedStack;

[Collection(StackCollection.Name)]
public sealed class DisposeTests(ITestOutputHelper output)
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Disposing_stops_both_servers_and_deletes_the_postgres_data()
    {
        // Its own stack, whatever the environment configures: this test is about the processes.
        var stack = await LocalStack.StartAsync(new EmbeddedStackOptions(), new TestOutputLogger(output), CancellationToken.None);
        var dynamoPort = new Uri(stack.DynamoDbEndpoint!).Port;
        var postgresPort = new NpgsqlConnectionStringBuilder(stack.PostgresConnectionString).Port;
        var dynamoPid = stack.DynamoDbProcess!.ProcessId;
        var postgresPid = stack.PostgresProcess?.ProcessId;
        var postgresData = stack.PostgresProcess?.DataDirectory;
        Assert.True(await FreePort.IsListeningAsync(dynamoPort, TimeSpan.FromSeconds(2)));
        Assert.True(await FreePort.IsListeningAsync(postgresPort, TimeSpan.FromSeconds(2)));

        await stack.DisposeAsync();

        await Probe.UntilAsync(async () => !await FreePort.IsListeningAsync(dynamoPort, TimeSpan.FromSeconds(1)), "DynamoDB Local's port refuses", StopTimeout);
        await Probe.UntilAsync(async () => !await FreePort.IsListeningAsync(postgresPort, TimeSpan.FromSeconds(1)), "PostgreSQL's port refuses", StopTimeout);
        await Probe.UntilAsync(() => !Native.IsAlive(dynamoPid), "the java process is gone", StopTimeout);
        if (postgresPid is { } pid)
        {
            // Null only when Docker answered and Testcontainers ran the server.
            await Probe.UntilAsync(() => !Native.IsAlive(pid), "the postmaster is gone", StopTimeout);
            Assert.False(Directory.Exists(postgresData), $"{postgresData} should be deleted");
        }

        await stack.DisposeAsync(); // idempotent
    }
}
