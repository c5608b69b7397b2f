using System.Diagnostics;
using System.Threading.Channels;
using EventLedger.Projections.Reactions;
using EventLedger.Reactions.Configuration;
using EventLedger.Reactions.Sinks;
using Microsoft.Extensions.Logging;

namespace EventLedger.Reactions.Delivery;

/// <summary>Live deliveries come from the stream (acknowledged ones are skipped on the host's retries); redeliveries resend everything.</summary>
public enum DeliveryMode
{
    Live,
    Redelivery,
}

/// <summary>
/// Delivers a reaction's messages to its sink and returns only when every one was acknowledged, or throws
/// <see cref="ReactionDeliveryException"/> naming those that were not. Per invoice, messages go one at a time in order
/// (an invoice's next message is sent only after the sink acknowledged the previous one); different invoices go in
/// parallel, up to <see cref="DeliverySettings.MaxConcurrency"/> sends, each carrying up to the sink's batch size of
/// messages of different invoices. 429/5xx/timeouts are retried with exponential back-off and jitter up to
/// <see cref="DeliverySettings.MaxAttempts"/>; a rejection (another 4xx) is not retried here. A 410 disables the endpoint
/// and the delivery waits, holding the batch, until an operator enables it again.
/// </summary>
public sealed partial class ReactionDeliverer(
    string reaction,
    IReactionSink sink,
    EndpointGate gate,
    DeliverySettings settings,
    string source,
    ReactionCounters counters,
    TimeProvider time,
    ILogger logger)
{
    // Messages the sink acknowledged recently: when the host retries or bisects a batch that failed in part, the
    // acknowledged ones are not sent again (a crash still resends them: at least once).
    private readonly RecentIds _acknowledged = new(65_536);

    // Messages that used up their attempts: when the host retries them (retry, bisect, dead-letter retry) each call makes
    // one attempt, so the host's own retries do not multiply the back-off.
    private readonly RecentIds _exhausted = new(4_096);

    private readonly KeyedLocks _invoiceLocks = new();

    public string Reaction => reaction;
    public IReactionSink Sink => sink;
    public EndpointGate Gate => gate;

    /// <summary>Delivers and throws <see cref="ReactionDeliveryException"/> unless every message was acknowledged.</summary>
    public async Task DeliverAllAsync(IReadOnlyList<ReactionMessage> messages, DeliveryMode mode, CancellationToken ct)
    {
        var report = await DeliverAsync(messages, mode, ct);
        if (report.Failures.Count > 0)
        {
            var first = report.Failures[0];
            throw new ReactionDeliveryException(
                $"{reaction}: {report.Failures.Count} of {messages.Count} messages not delivered to {sink.Kind} {sink.Target}; first: invoice " +
                $"{first.Message.InvoiceNumber} version {first.Message.InvoiceVersion} (id {first.Message.IdText}): {first.Detail}");
        }
    }

    /// <summary>Delivers <paramref name="messages"/> (in stream order per invoice) and reports those that were not acknowledged.
    /// <paramref name="delivered"/> hears of each acknowledgement.</summary>
    public async Task<DeliveryReport> DeliverAsync(IReadOnlyList<ReactionMessage> messages, DeliveryMode mode, CancellationToken ct, Action<ReactionMessage>? delivered = null)
    {
        var queues = new Dictionary<string, InvoiceQueue>(StringComparer.Ordinal);
        foreach (var message in messages)
        {
            if (mode == DeliveryMode.Live && _acknowledged.Contains(message.Id))
            {
                continue;
            }

            if (!queues.TryGetValue(message.InvoiceNumber, out var queue))
            {
                queues[message.InvoiceNumber] = queue = new InvoiceQueue(message.InvoiceNumber);
            }

            queue.Pending.Enqueue(new OutgoingMessage(message, CloudEventJson.Serialize(message, source)));
        }

        if (queues.Count == 0)
        {
            return new DeliveryReport([]);
        }

        var run = new Run(queues.Count, mode, delivered);
        foreach (var queue in queues.Values)
        {
            run.Ready.Writer.TryWrite(queue);
        }

        var workers = Math.Min(settings.MaxConcurrency, queues.Count);
        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => Task.Run(() => WorkAsync(run, ct), ct)));
        return new DeliveryReport([.. run.Failures]);
    }

    private async Task WorkAsync(Run run, CancellationToken ct)
    {
        var batch = new List<InvoiceQueue>(sink.MaxBatchSize);
        while (await run.Ready.Reader.WaitToReadAsync(ct))
        {
            batch.Clear();
            while (batch.Count < sink.MaxBatchSize && run.Ready.Reader.TryRead(out var queue))
            {
                batch.Add(queue);
            }

            if (batch.Count == 0)
            {
                continue;
            }

            await gate.WaitUntilEnabledAsync(ct);
            var outgoing = batch.Select(q => q.Pending.Peek()).ToList();
            IReadOnlyList<DeliveryOutcome> outcomes;
            var started = Stopwatch.GetTimestamp();
            using (await _invoiceLocks.AcquireAsync(batch.Select(q => q.Invoice), ct))
            {
                try
                {
                    outcomes = await sink.SendAsync(outgoing, ct);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    var outcome = new DeliveryOutcome(DeliveryStatus.Retry, $"{sink.Kind} {sink.Target}: {ex.GetType().Name}: {ex.Message}");
                    outcomes = [.. outgoing.Select(_ => outcome)];
                }
            }

            ReactionMetrics.SendDuration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, new KeyValuePair<string, object?>("reaction", reaction));
            for (var i = 0; i < batch.Count; i++)
            {
                await HandleAsync(run, batch[i], outcomes[i], ct);
            }
        }
    }

    private async Task HandleAsync(Run run, InvoiceQueue queue, DeliveryOutcome outcome, CancellationToken ct)
    {
        var message = queue.Pending.Peek().Message;
        var now = time.GetUtcNow();
        switch (outcome.Status)
        {
            case DeliveryStatus.Delivered:
                queue.Pending.Dequeue();
                queue.Attempts = 0;
                _acknowledged.Add(message.Id);
                counters.OnDelivered(now);
                ReactionMetrics.Count(reaction, "delivered");
                if (run.Mode == DeliveryMode.Live)
                {
                    ReactionMetrics.DeliveryLag.Record((now - message.Time).TotalMilliseconds, new KeyValuePair<string, object?>("reaction", reaction));
                }

                run.Delivered?.Invoke(message);
                if (queue.Pending.Count > 0)
                {
                    run.Ready.Writer.TryWrite(queue);
                }
                else
                {
                    run.Finish();
                }

                break;
            case DeliveryStatus.Gone:
                ReactionMetrics.Count(reaction, "gone");
                counters.OnError(outcome.Detail ?? "gone", now);
                if (!gate.Known.Disabled)
                {
                    LogGone(logger, reaction, sink.Target, outcome.Detail);
                    await gate.DisableAsync(outcome.Detail ?? "410 Gone", ct);
                }

                // Not delivered: it goes again once the endpoint is enabled (the workers wait for that).
                run.Ready.Writer.TryWrite(queue);
                break;
            case DeliveryStatus.Retry:
                queue.Attempts++;
                var allowed = _exhausted.Contains(message.Id) ? 1 : settings.MaxAttempts;
                if (queue.Attempts >= allowed)
                {
                    _exhausted.Add(message.Id);
                    ReactionMetrics.Count(reaction, "exhausted");
                    LogGaveUp(logger, reaction, message.InvoiceNumber, message.InvoiceVersion, queue.Attempts, outcome.Detail);
                    Fail(run, queue, $"{outcome.Detail} (after {queue.Attempts} attempts)", now);
                }
                else
                {
                    ReactionMetrics.Count(reaction, "retried");
                    counters.OnRetried(outcome.Detail ?? "retry", now);
                    var delay = Backoff(queue.Attempts);
                    LogRetrying(logger, reaction, message.InvoiceNumber, message.InvoiceVersion, queue.Attempts, delay, outcome.Detail);
                    _ = RequeueAfterAsync(run, queue, delay, ct);
                }

                break;
            default:
                ReactionMetrics.Count(reaction, "rejected");
                LogRejected(logger, reaction, message.InvoiceNumber, message.InvoiceVersion, outcome.Detail);
                Fail(run, queue, outcome.Detail ?? "rejected", now);
                break;
        }
    }

    /// <summary>The invoice's remaining messages wait for the failed one: they are not sent (order), and the batch fails.</summary>
    private void Fail(Run run, InvoiceQueue queue, string detail, DateTimeOffset now)
    {
        counters.OnFailed(detail, now);
        run.Failures.Enqueue(new DeliveryFailure(queue.Pending.Peek().Message, detail));
        run.Finish();
    }

    private async Task RequeueAfterAsync(Run run, InvoiceQueue queue, TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay, time, ct);
            run.Ready.Writer.TryWrite(queue);
        }
        catch (OperationCanceledException)
        {
            // The delivery was abandoned (shutdown, lost lease); the workers end on the same token.
        }
    }

    /// <summary>Exponential (initial × 2^(attempt-1), capped) with jitter: a random 50–100% of it.</summary>
    private TimeSpan Backoff(int attempt)
    {
        var ceiling = Math.Min(settings.MaxBackoff.TotalMilliseconds, settings.InitialBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(attempt - 1, 30)));
        return TimeSpan.FromMilliseconds(ceiling * (0.5 + (Random.Shared.NextDouble() / 2)));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reaction {Reaction}: {Target} is gone ({Detail}); the reaction is disabled until an operator enables it (POST /reactions/{Reaction}/enable)")]
    private static partial void LogGone(ILogger logger, string reaction, string target, string? detail);

    [LoggerMessage(Level = LogLevel.Information, Message = "Reaction {Reaction}: invoice {Invoice} version {Version}, attempt {Attempt} failed ({Detail}); retrying in {Delay}")]
    private static partial void LogRetrying(ILogger logger, string reaction, string invoice, long version, int attempt, TimeSpan delay, string? detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reaction {Reaction}: invoice {Invoice} version {Version} still failing after {Attempts} attempts ({Detail}); failing the batch")]
    private static partial void LogGaveUp(ILogger logger, string reaction, string invoice, long version, int attempts, string? detail);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reaction {Reaction}: invoice {Invoice} version {Version} rejected ({Detail}); failing the batch")]
    private static partial void LogRejected(ILogger logger, string reaction, string invoice, long version, string? detail);

    private sealed class InvoiceQueue(string invoice)
    {
        public string Invoice { get; } = invoice;
        public Queue<OutgoingMessage> Pending { get; } = new();
        public int Attempts { get; set; }
    }


    private sealed class Run(int invoices, DeliveryMode mode, Action<ReactionMessage>? delivered)
    {
        private int _remaining = invoices;

        public Channel<InvoiceQueue> Ready { get; } = Channel.CreateUnbounded<InvoiceQueue>();
        public System.Collections.Concurrent.ConcurrentQueue<DeliveryFailure> Failures { get; } = new();
        public DeliveryMode Mode { get; } = mode;
        public Action<ReactionMessage>? Delivered { get; } = delivered;

        public void Finish()
        {
            if (Interlocked.Decrement(ref _remaining) == 0)
            {
                Ready.Writer.TryComplete();
            }
        }
    }
}

/// <summary>A message that was not acknowledged, and why.</summary>
public sealed record DeliveryFailure(ReactionMessage Message, string Detail);

/// <summary>What a delivery did not get done (empty: everything acknowledged).</summary>
public sealed record DeliveryReport(IReadOnlyList<DeliveryFailure> Failures);
