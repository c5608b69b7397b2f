using EventLedger.Streams.Client.Model;

namespace EventLedger.Streams.DeadLetters;

/// <summary>Identifies a parked record: subscription, shard and sequence number. Text form: <c>subscription:shardId:sequenceNumber</c>.</summary>
public readonly record struct DeadLetterId(string Subscription, string ShardId, string SequenceNumber)
{
    public override string ToString() => $"{Subscription}:{ShardId}:{SequenceNumber}";

    public static DeadLetterId Parse(string text)
    {
        var last = text.LastIndexOf(':');
        var middle = last > 0 ? text.LastIndexOf(':', last - 1) : -1;
        if (middle <= 0 || last == text.Length - 1 || last - middle <= 1)
        {
            throw new FormatException($"'{text}' is not a dead-letter id (subscription:shardId:sequenceNumber).");
        }

        return new DeadLetterId(text[..middle], text[(middle + 1)..last], text[(last + 1)..]);
    }
}

/// <summary>Why a record was parked.</summary>
public static class DeadLetterReason
{
    /// <summary>The processor kept failing on it after the configured retries.</summary>
    public const string Failed = "failed";

    /// <summary>It was older than MaximumRecordAge when its turn came.</summary>
    public const string Expired = "expired";
}

/// <summary>A record the subscription gave up on, with why and how often it failed.</summary>
public sealed record DeadLetter
{
    public required DeadLetterId Id { get; init; }
    public required Record Record { get; init; }
    public required string Reason { get; init; }
    public string? ErrorType { get; init; }
    public string? ErrorMessage { get; init; }
    public int Attempts { get; init; }
    public DateTimeOffset FirstFailureAt { get; init; }
    public DateTimeOffset LastFailureAt { get; init; }

    public string Subscription => Id.Subscription;
    public string ShardId => Id.ShardId;
    public string SequenceNumber => Id.SequenceNumber;
}

public sealed record DeadLetterPage(IReadOnlyList<DeadLetter> Items, string? NextPageToken);

public sealed record DeadLetterRetryResult(bool Succeeded, string? Error)
{
    public static readonly DeadLetterRetryResult Success = new(true, null);
}
