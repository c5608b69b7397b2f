using System.Diagnostics;
using Mediator;
using Microsoft.Extensions.Logging;

namespace EventLedger.Application.Behaviors;

/// <summary>Logs each command with its outcome and duration, and counts them (meter <c>EventLedger.Commands</c>).</summary>
public sealed partial class LoggingBehavior<TMessage, TResponse>(ILogger<LoggingBehavior<TMessage, TResponse>> logger, CommandMetrics metrics)
    : IPipelineBehavior<TMessage, TResponse>
    where TMessage : notnull, IMessage
{
    public async ValueTask<TResponse> Handle(TMessage message, MessageHandlerDelegate<TMessage, TResponse> next, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var name = typeof(TMessage).Name;
        try
        {
            var response = await next(message, cancellationToken);
            var elapsed = Stopwatch.GetElapsedTime(started);
            metrics.Handled(name, "ok", elapsed);
            LogHandled(logger, name, elapsed.TotalMilliseconds);
            return response;
        }
        catch (Exception ex)
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            metrics.Handled(name, ex.GetType().Name, elapsed);
            LogRejected(logger, name, ex.GetType().Name, ex.Message, elapsed.TotalMilliseconds);
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Command} handled in {ElapsedMs:F1} ms")]
    private static partial void LogHandled(ILogger logger, string command, double elapsedMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Command} rejected ({Error}: {Reason}) after {ElapsedMs:F1} ms")]
    private static partial void LogRejected(ILogger logger, string command, string error, string reason, double elapsedMs);
}
