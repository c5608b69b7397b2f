using EventLedger.EmbeddedStack;

namespace EventLedger.IntegrationTests.EmbeddedStack;

/// <summary>Start-up failures name the cause and the fix.</summary>
public sealed class StartupErrorTests
{
    [Fact]
    public async Task A_checkout_without_node_modules_is_told_to_run_npm_ci()
    {
        var root = Directory.CreateTempSubdirectory("eventledger-noroot-").FullName;
        try
        {
            var options = new EmbeddedStackOptions { RepositoryRoot = root, NeedPostgres = false };

            var error = await Assert.ThrowsAsync<EmbeddedStackException>(() => LocalStack.StartAsync(options, logger: null, CancellationToken.None));

            Assert.Contains("npm ci", error.Message, StringComparison.Ordinal);
            Assert.Contains(EmbeddedStackOptions.DynamoDbEndpointVariable, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Theory]
    [InlineData("1.8.0_392", 8)]
    [InlineData("11.0.2", 11)]
    [InlineData("17.0.15", 17)]
    [InlineData("21", 21)]
    [InlineData("25-ea", 25)]
    public void Java_versions_are_read_by_major(string version, int major) => Assert.Equal(major, JavaRuntime.Parse(version));
}
