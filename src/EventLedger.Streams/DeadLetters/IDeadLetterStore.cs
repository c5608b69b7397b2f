using EventLedger.Streams.Reader;

namespace EventLedger.Streams.DeadLetters;

/// <summary>Parked records: the reader parks, operators list, retry and discard.</summary>
public interface IDeadLetterStore
{
    Task EnsureTableAsync(CancellationToken cancellationToken);

    /// <summary>Stores (or, when the record is already parked, updates: attempts added, last failure and error replaced) each dead letter.</summary>
    Task ParkAsync(IReadOnlyList<DeadLetter> deadLetters, CancellationToken cancellationToken);

    /// <summary>A page of dead letters, oldest shard position first per subscription; all subscriptions when <paramref name="subscription"/> is null.</summary>
    Task<DeadLetterPage> ListAsync(string? subscription, int pageSize = 50, string? pageToken = null, CancellationToken cancellationToken = default);

    Task<DeadLetter?> GetAsync(DeadLetterId id, CancellationToken cancellationToken = default);

    Task<int> CountAsync(string subscription, CancellationToken cancellationToken = default);

    /// <summary>Makes <paramref name="processor"/> the one <see cref="RetryAsync(DeadLetterId, CancellationToken)"/> uses for <paramref name="subscription"/>.</summary>
    void RegisterProcessor(string subscription, IStreamBatchProcessor processor);

    /// <summary>Runs the subscription's registered processor on the parked record: deleted on success, attempts and error updated on failure.</summary>
    Task<DeadLetterRetryResult> RetryAsync(DeadLetterId id, CancellationToken cancellationToken = default);

    /// <summary>Like <see cref="RetryAsync(DeadLetterId, CancellationToken)"/> with an explicit processor.</summary>
    Task<DeadLetterRetryResult> RetryAsync(DeadLetterId id, IStreamBatchProcessor processor, CancellationToken cancellationToken = default);

    /// <summary>Deletes the parked record. False when it was not there.</summary>
    Task<bool> DiscardAsync(DeadLetterId id, CancellationToken cancellationToken = default);
}
