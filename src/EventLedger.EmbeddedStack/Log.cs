using Microsoft.Extensions.Logging;

namespace EventLedger.EmbeddedStack;

/// <summary>Structured log messages of the embedded stack.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "{Component}: using the configured endpoint {Endpoint}")]
    public static partial void UsingConfigured(ILogger logger, string component, string endpoint);

    [LoggerMessage(2, LogLevel.Information, "{Component}: not needed, not started")]
    public static partial void NotNeeded(ILogger logger, string component);

    [LoggerMessage(3, LogLevel.Debug, "{Component}: started process {Pid}: {CommandLine}")]
    public static partial void ProcessStarted(ILogger logger, string component, int pid, string commandLine);

    [LoggerMessage(4, LogLevel.Debug, "{Component}: {Line}")]
    public static partial void ProcessOutput(ILogger logger, string component, string line);

    [LoggerMessage(5, LogLevel.Warning, "{Component}: process {Pid} did not stop in time; killing its process tree")]
    public static partial void ProcessKilled(ILogger logger, string component, int pid);

    [LoggerMessage(6, LogLevel.Information, "{Component}: ready at {Endpoint} in {ElapsedMs} ms")]
    public static partial void Ready(ILogger logger, string component, string endpoint, long elapsedMs);

    [LoggerMessage(7, LogLevel.Warning, "{Component}: port {Port} was taken before the server bound it; retrying on another port (attempt {Attempt})")]
    public static partial void PortRace(ILogger logger, string component, int port, int attempt);

    [LoggerMessage(8, LogLevel.Information, "{Component}: stopped in {ElapsedMs} ms")]
    public static partial void Stopped(ILogger logger, string component, long elapsedMs);

    [LoggerMessage(9, LogLevel.Information, "PostgreSQL: removing a stale data directory {Directory} left by a previous run")]
    public static partial void StaleDirectory(ILogger logger, string directory);

    [LoggerMessage(10, LogLevel.Warning, "PostgreSQL: user {User} cannot use {Directory}; using {Fallback} instead")]
    public static partial void DataDirectoryFallback(ILogger logger, string user, string directory, string fallback);

    [LoggerMessage(11, LogLevel.Information, "PostgreSQL: Docker answers; starting a Testcontainers container ({Image})")]
    public static partial void UsingTestcontainers(ILogger logger, string image);

    [LoggerMessage(12, LogLevel.Debug, "PostgreSQL: no Docker daemon answered ({Reason}); using the system binaries")]
    public static partial void NoDocker(ILogger logger, string reason);

    [LoggerMessage(13, LogLevel.Information, "PostgreSQL: initdb into {Directory} as {User} took {ElapsedMs} ms")]
    public static partial void InitDb(ILogger logger, string directory, string user, long elapsedMs);

    [LoggerMessage(15, LogLevel.Debug, "PostgreSQL: copied the initdb template {Template} to {Directory} in {ElapsedMs} ms")]
    public static partial void ClusterCopied(ILogger logger, string template, string directory, long elapsedMs);

    [LoggerMessage(14, LogLevel.Warning, "Stopping the embedded stack on {Reason}")]
    public static partial void StoppingOnExit(ILogger logger, string reason);
}
