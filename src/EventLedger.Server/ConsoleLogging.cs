using Microsoft.Extensions.Logging;

namespace EventLedger.Server;

/// <summary>One console log format for the server, the CLI and the benchmark: one line per entry, with milliseconds.</summary>
public static class ConsoleLogging
{
    public static ILoggingBuilder AddEventLedgerConsole(this ILoggingBuilder builder, LogLevel minimum) => builder
        .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; })
        .SetMinimumLevel(minimum);

    public static ILoggerFactory CreateFactory(LogLevel minimum) => LoggerFactory.Create(b => b.AddEventLedgerConsole(minimum));
}
