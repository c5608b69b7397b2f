using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using EventLedger.Domain.Invoices;
using EventLedger.EventStore;
using EventLedger.EventStore.Append;
using EventLedger.EventStore.Events;
using Microsoft.Extensions.Logging;

namespace EventLedger.Application.Invoices;

/// <summary>
/// The one way a command is carried out: load the decision state (two items by key, not the stream), return the first
/// result if the command id was seen, decide with the pure <see cref="InvoiceDecider"/>, append. Without an expected
/// version, losing a race re-decides on the fresh state (the rules are checked again, so this never appends a duplicate);
/// with one, a moved stream is a <see cref="ExpectedVersionMismatchException"/>.
/// </summary>
public sealed partial class InvoiceCommandExecutor(InvoiceEventStore store, ILogger<InvoiceCommandExecutor> logger)
{
    // Each round of a race has one winner, so N concurrent writers on one invoice need up to N rounds.
    private const int MaxAttempts = 32;

    public async ValueTask<AppendResult> ExecuteAsync(IInvoiceCommandMessage message, CancellationToken ct)
    {
        var command = message.ToDomain();
        var options = message.Options;
        var fingerprint = options.IdempotencyKey is null ? null : Fingerprint(message.InvoiceNumber, command);

        for (var attempt = 1; ; attempt++)
        {
            var loaded = await store.LoadAsync(message.InvoiceNumber, message.TransactionId, options.IdempotencyKey, ct);
            if (loaded.Prior is { } prior)
            {
                return Replay(options.IdempotencyKey!, prior, fingerprint);
            }

            if (options.ExpectedVersion is { } expected && expected != loaded.Context.Head.Version)
            {
                throw new ExpectedVersionMismatchException(message.InvoiceNumber, expected, loaded.Context.Head.Version);
            }

            var events = InvoiceDecider.Decide(loaded.Context, command);
            var metadata = new EventMetadata(
                options.IdempotencyKey,
                options.CorrelationId ?? Guid.NewGuid().ToString("N"),
                options.IdempotencyKey,
                options.Actor);
            try
            {
                return await store.AppendAsync(new AppendRequest(loaded.Context, events, metadata, options.IdempotencyKey, fingerprint), ct);
            }
            catch (DuplicateCommandException)
            {
                // The same command raced in through another request; fall through to reload and replay its result.
            }
            catch (ConcurrencyConflictException) when (options.ExpectedVersion is null && attempt < MaxAttempts)
            {
                LogRetry(logger, message.InvoiceNumber, attempt);
                // Full jitter, capped: spreads the racers out without making a lone retry wait long.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, Math.Min(100, 4 << Math.Min(attempt, 5)))), ct);
            }
            catch (ConcurrencyConflictException) when (options.ExpectedVersion is { } expectedVersion)
            {
                throw new ExpectedVersionMismatchException(message.InvoiceNumber, expectedVersion, actual: null);
            }
        }
    }

    private static AppendResult Replay(string commandId, PriorCommand prior, string? fingerprint) =>
        prior.Fingerprint is not null && fingerprint is not null && prior.Fingerprint != fingerprint
            ? throw new CommandIdReusedException(commandId)
            : prior.Result;

    private static string Fingerprint(string invoiceNumber, InvoiceCommand command)
    {
        var json = JsonSerializer.Serialize(command, command.GetType(), EventTypeMap.PayloadJson);
        var bytes = SHA256.HashData(Encoding.UTF8.GetBytes($"{invoiceNumber}|{command.GetType().Name}|{json}"));
        return Convert.ToHexString(bytes);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Invoice {Invoice} changed while deciding (attempt {Attempt}); deciding again on the new state")]
    private static partial void LogRetry(ILogger logger, string invoice, int attempt);
}

/// <summary>The caller's expected version (If-Match) is not the invoice's version. Nothing was written.</summary>
public sealed class ExpectedVersionMismatchException(string invoiceNumber, long expected, long? actual)
    : Exception(actual is null
        ? $"Invoice '{invoiceNumber}' moved past version {expected} while the command was decided; nothing was written."
        : $"Invoice '{invoiceNumber}' is at version {actual}, not the expected {expected}; nothing was written.")
{
    public string InvoiceNumber { get; } = invoiceNumber;
    public long Expected { get; } = expected;
    public long? Actual { get; } = actual;
}
