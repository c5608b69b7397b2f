using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace EventLedger.IntegrationTests.Streams;

/// <summary>Routes library logs to the xunit test output (Information and above, or Debug when asked).</summary>
internal sealed class TestLoggerFactory(ITestOutputHelper output, LogLevel minimum = LogLevel.Information) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new TestLogger(output, categoryName, minimum);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class TestLogger(ITestOutputHelper output, string category, LogLevel minimum) : ILogger
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
                var error = exception is null ? "" : $" [{exception.GetType().Name}: {exception.Message}]";
                output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel,-11} {category[(category.LastIndexOf('.') + 1)..]}: {formatter(state, exception)}{error}");
            }
            catch (InvalidOperationException)
            {
                // The test has finished; its output helper no longer accepts lines.
            }
        }
    }
}
