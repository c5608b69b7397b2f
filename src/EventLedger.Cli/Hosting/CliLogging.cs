using Microsoft.Extensions.Logging;

namespace EventLedger.Cli.Hosting;

public static class CliLogging
{
    public static ILoggerFactory CreateFactory(LogLevel minimum) => LoggerFactory.Create(b => b
        .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; })
        .SetMinimumLevel(minimum));
}
