namespace EventLedger.Reactions.Configuration;

/// <summary>Where a reaction's messages go.</summary>
public enum SinkKind
{
    /// <summary>A Standard Webhooks endpoint (HTTPS POST, signed).</summary>
    Webhook,

    /// <summary>An SQS queue (FIFO queues get MessageGroupId = invoice, MessageDeduplicationId = event id).</summary>
    Sqs,

    /// <summary>An SNS topic (fan-out to its subscribers).</summary>
    Sns,
}

/// <summary>A reaction's sink, from <c>Reactions:{Section}</c> (environment: <c>Reactions__ZeroAmountAlerts__Sink</c>, …).</summary>
public sealed record SinkSettings
{
    /// <summary><c>Sink</c>: webhook, sqs or sns.</summary>
    public required SinkKind Kind { get; init; }

    /// <summary><c>Url</c> (webhook): the endpoint, http or https.</summary>
    public Uri? Url { get; init; }

    /// <summary><c>Secret</c> (webhook): one or more <c>whsec_…</c> secrets separated by spaces or commas; each signs every
    /// message (several during a rotation). Receivers accept a message when any signature verifies.</summary>
    public IReadOnlyList<string> Secrets { get; init; } = [];

    /// <summary><c>Timeout</c> (webhook): how long one attempt may take (default 10 s); a timeout is retried.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary><c>QueueUrl</c> (sqs). A name ending in <c>.fifo</c> is a FIFO queue.</summary>
    public string? QueueUrl { get; init; }

    /// <summary><c>TopicArn</c> (sns). A name ending in <c>.fifo</c> is a FIFO topic.</summary>
    public string? TopicArn { get; init; }

    /// <summary><c>ServiceUrl</c> (sqs, sns): an endpoint for this sink alone; else <c>EVENTLEDGER_AWS_ENDPOINT</c> (or the
    /// emulator the local stack started); null means AWS itself (region and credentials from the SDK's default chain).</summary>
    public string? ServiceUrl { get; init; }

    /// <summary><c>Region</c> (sqs, sns): the signing region (default: the SDK's chain, else us-east-1).</summary>
    public string? Region { get; init; }

    /// <summary>Where messages go, for status: the URL, queue URL or topic ARN.</summary>
    public string Target => Kind switch
    {
        SinkKind.Webhook => Url?.ToString() ?? "",
        SinkKind.Sqs => QueueUrl ?? "",
        _ => TopicArn ?? "",
    };
}

/// <summary>How hard a reaction tries before it gives a message up to the dead-letter store.</summary>
public sealed record DeliverySettings
{
    /// <summary><c>MaxAttempts</c>: attempts of one message on 429, 5xx, timeouts and unreachable sinks before the batch fails
    /// (then the host bisects, retries and parks the message; default 8).</summary>
    public int MaxAttempts { get; init; } = 8;

    /// <summary><c>InitialBackoff</c>: the first retry's delay (default 500 ms); it doubles per attempt, with jitter.</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary><c>MaxBackoff</c>: the longest delay between two attempts (default 30 s).</summary>
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary><c>MaxConcurrency</c>: sends in flight at once, each for a different invoice (default 16; an SQS or SNS send
    /// carries up to 10 messages).</summary>
    public int MaxConcurrency { get; init; } = 16;
}
