using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace EventLedger.IntegrationTests.EmbeddedStack;

/// <summary>Sends the stack's log to the test output, so a failed start-up shows what the servers printed.</summary>
internal sealed class TestOutputLogger(ITestOutputHelper output, LogLevel minimum = LogLevel.Information) : ILogger
{
    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (!IsEnabled(logLevel))
        {
            return;
        }

        try
        {
            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel}: {formatter(state, exception)}{(exception is null ? "" : " " + exception)}");
        }
        catch (InvalidOperationException)
        {
            // The test has finished; late output from a stopping server is dropped.
        }
    }
}
