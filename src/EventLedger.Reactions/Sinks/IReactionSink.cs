using EventLedger.Projections.Reactions;

namespace EventLedger.Reactions.Sinks;

/// <summary>
/// Sends messages to another system. <see cref="SendAsync"/> never throws for a failed delivery: it reports an outcome per
/// message (in the order given), so a batch call (SQS, SNS) can succeed in part. Every message of one call belongs to a
/// different invoice.
/// </summary>
public interface IReactionSink : IAsyncDisposable
{
    /// <summary>webhook, sqs or sns.</summary>
    string Kind { get; }

    /// <summary>The URL, queue URL or topic ARN.</summary>
    string Target { get; }

    /// <summary>Most messages one call carries (1 for webhooks, 10 for SQS and SNS batches).</summary>
    int MaxBatchSize { get; }

    Task<IReadOnlyList<DeliveryOutcome>> SendAsync(IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken);
}

/// <summary>A message and its CloudEvents JSON body (the same bytes on every attempt).</summary>
public sealed record OutgoingMessage(ReactionMessage Message, byte[] Body);

/// <summary>What became of one message.</summary>
public enum DeliveryStatus
{
    /// <summary>The sink acknowledged it (2xx; SQS/SNS accepted it).</summary>
    Delivered,

    /// <summary>Worth another attempt later: 429, 5xx, a timeout, an unreachable sink, throttling.</summary>
    Retry,

    /// <summary>The sink refused this message for good (another 4xx): it is not retried here; the host dead-letters it.</summary>
    Rejected,

    /// <summary>The endpoint is gone (HTTP 410): the reaction is disabled until an operator enables it again.</summary>
    Gone,
}

public readonly record struct DeliveryOutcome(DeliveryStatus Status, string? Detail = null)
{
    public static readonly DeliveryOutcome Delivered = new(DeliveryStatus.Delivered);
}
