using EventLedger.Application.Invoices.HeadCache;
using EventLedger.Domain.Invoices;
using EventLedger.EventStore;
using EventLedger.EventStore.Append;
using EventLedger.EventStore.Events;
using Microsoft.Extensions.Logging;

namespace EventLedger.Application.Invoices;

/// <summary>
/// What every invoice command handler shares, so that a handler only says which state it needs and how it decides:
/// get that state, return the first result if the command id was seen, check the expected version (If-Match), decide
/// with the handler's pure function, append. Without an expected version, losing a race decides again on the fresh
/// state (the rules are checked again, so this never appends a duplicate); with one, a moved stream is a
/// <see cref="ExpectedVersionMismatchException"/>.
/// <para>
/// Where the head suffices (<see cref="StateNeeded.HeadSuffices"/>), the command is first decided on the head this
/// process cached (<see cref="InvoiceHeadCache"/>, ADR 0006), without reading anything. The append's own conditions
/// check that guess: HEAD must still be at the cached version, a recorded transaction's id must be free, and the
/// command id unseen. If HEAD moved, the command id was seen, or the decision on the cached head is a rejection, the
/// entry is not trusted: the command runs again exactly as without a cache (consistent read of HEAD, transaction and
/// command record, then decide). Only a taken transaction id with HEAD current is answered without a read, since the
/// state is then known exactly (the cached head plus an existing transaction).
/// </para>
/// </summary>
public sealed partial class InvoiceAppender(InvoiceEventStore store, InvoiceHeadCache heads, ILogger<InvoiceAppender> logger)
{
    // Each round of a race has one winner, so N concurrent writers on one invoice need up to N rounds.
    private const int MaxAttempts = 32;

    public async ValueTask<AppendResult> DecideAndAppendAsync(
        InvoiceCommand command, StateNeeded needs, Func<DecisionContext, IReadOnlyList<IInvoiceEvent>> decide, CancellationToken ct)
    {
        var fingerprint = command.Options.IdempotencyKey is null ? null : CommandFingerprint.Of(command);
        if (needs.HeadSuffices && heads.TryGet(command.InvoiceNumber, out var head)
            && await TryOnCachedHeadAsync(command, head, decide, fingerprint, ct) is { } result)
        {
            return result;
        }

        return await OnReadStateAsync(command, needs.TransactionId, decide, fingerprint, ct);
    }

    /// <summary>Decides and appends on a cached head; null when the outcome must be decided on a fresh read instead.</summary>
    private async ValueTask<AppendResult?> TryOnCachedHeadAsync(
        InvoiceCommand command, InvoiceHead head, Func<DecisionContext, IReadOnlyList<IInvoiceEvent>> decide, string? fingerprint, CancellationToken ct)
    {
        var options = command.Options;
        if (options.ExpectedVersion is { } expected && expected != head.Version)
        {
            // Either If-Match is stale or the cache is: only a read tells which (and gives the 412 its actual version).
            return null;
        }

        var context = new DecisionContext(command.InvoiceNumber, head, Transaction: null);
        IReadOnlyList<IInvoiceEvent> events;
        try
        {
            events = decide(context);
        }
        catch (DomainRuleViolation)
        {
            // A rejection is a decision too: confirm it on the invoice's real state (and replay a first result, if any).
            return null;
        }

        var prepared = store.Prepare(new AppendRequest(context, events, Metadata(options), options.IdempotencyKey, fingerprint));
        try
        {
            var result = await store.AppendAsync(prepared, ct);
            heads.Remember(command.InvoiceNumber, prepared.Head);
            return result;
        }
        catch (TransactionExistsException e) when (options.IdempotencyKey is null)
        {
            // HEAD held, so the cached head is the invoice's own; the one thing the cache did not know is that the
            // transaction exists. Decide on exactly that state: the same rejection a read would have produced.
            decide(context with { Transaction = Existing(e.TransactionId) });
            throw;
        }
        catch (ConcurrencyConflictException)
        {
            heads.Forget(command.InvoiceNumber, head.Version);
            LogStaleHead(logger, command.InvoiceNumber, head.Version);
            return null;
        }
        catch (Exception e) when (e is DuplicateCommandException or TransactionExistsException)
        {
            // The command id was seen (or may have been): the read path replays its first result.
            return null;
        }
    }

    /// <summary>The path without a cache: read the decision state and the command record, decide, append; retry lost races.</summary>
    private async ValueTask<AppendResult> OnReadStateAsync(
        InvoiceCommand command, string? transactionId, Func<DecisionContext, IReadOnlyList<IInvoiceEvent>> decide, string? fingerprint, CancellationToken ct)
    {
        var options = command.Options;
        for (var attempt = 1; ; attempt++)
        {
            var loaded = await store.LoadAsync(command.InvoiceNumber, transactionId, options.IdempotencyKey, ct);
            heads.Remember(command.InvoiceNumber, loaded.Context.Head);
            if (loaded.Prior is { } prior)
            {
                return Replay(options.IdempotencyKey!, prior, fingerprint);
            }

            if (options.ExpectedVersion is { } expected && expected != loaded.Context.Head.Version)
            {
                throw new ExpectedVersionMismatchException(command.InvoiceNumber, expected, loaded.Context.Head.Version);
            }

            var events = decide(loaded.Context);
            var prepared = store.Prepare(new AppendRequest(loaded.Context, events, Metadata(options), options.IdempotencyKey, fingerprint));
            try
            {
                var result = await store.AppendAsync(prepared, ct);
                heads.Remember(command.InvoiceNumber, prepared.Head);
                return result;
            }
            catch (DuplicateCommandException)
            {
                // The same command raced in through another request; fall through to reload and replay its result.
            }
            catch (ConcurrencyConflictException) when (options.ExpectedVersion is null && attempt < MaxAttempts)
            {
                LogRetry(logger, command.InvoiceNumber, attempt);
                // Full jitter, capped: spreads the racers out without making a lone retry wait long.
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, Math.Min(100, 4 << Math.Min(attempt, 5)))), ct);
            }
            catch (ConcurrencyConflictException) when (options.ExpectedVersion is { } expectedVersion)
            {
                throw new ExpectedVersionMismatchException(command.InvoiceNumber, expectedVersion, actual: null);
            }
        }
    }

    private static EventMetadata Metadata(CommandOptions options) => new(
        options.IdempotencyKey,
        options.CorrelationId ?? Guid.NewGuid().ToString("N"),
        options.IdempotencyKey,
        options.Actor);

    /// <summary>A transaction known only to exist (its id is taken); enough for the rule that ids are unique.</summary>
    private static TransactionState Existing(string transactionId) => new(transactionId, 0m, "", default, null, Voided: false);

    private static AppendResult Replay(string commandId, PriorCommand prior, string? fingerprint) =>
        prior.Fingerprint is not null && fingerprint is not null && prior.Fingerprint != fingerprint
            ? throw new CommandIdReusedException(commandId)
            : prior.Result;

    [LoggerMessage(Level = LogLevel.Information, Message = "Invoice {Invoice} changed while deciding (attempt {Attempt}); deciding again on the new state")]
    private static partial void LogRetry(ILogger logger, string invoice, int attempt);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Cached head of invoice {Invoice} at version {Version} was stale; deciding again on a fresh read")]
    private static partial void LogStaleHead(ILogger logger, string invoice, long version);
}
