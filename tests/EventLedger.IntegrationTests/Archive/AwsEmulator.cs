using EventLedger.EmbeddedStack;

namespace EventLedger.IntegrationTests.Archive;

/// <summary>
/// The S3-compatible endpoint for the archive's S3 tests: <c>EVENTLEDGER_AWS_ENDPOINT</c> when set, else the embedded stack's
/// fauxqs emulator (npm, on the pinned Node 22), started for the test class and stopped after it.
/// </summary>
public sealed class AwsEmulator : IAsyncLifetime
{
    private LocalStack? _stack;

    public string Endpoint => _stack?.AwsEndpoint ?? throw new InvalidOperationException("The AWS emulator has not started.");

    public async Task InitializeAsync() =>
        _stack = await LocalStack.StartAsync(
            new EmbeddedStackOptions { NeedDynamoDb = false, NeedPostgres = false, NeedAwsEmulator = true, AwsEndpoint = EmbeddedStackOptions.FromEnvironment().AwsEndpoint },
            logger: null, CancellationToken.None);

    public async Task DisposeAsync()
    {
        if (_stack is not null) await _stack.DisposeAsync();
    }
}
