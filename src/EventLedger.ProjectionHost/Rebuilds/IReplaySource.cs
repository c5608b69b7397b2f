using Amazon.DynamoDBv2.Model;
using EventLedger.EventStore.Events;

namespace EventLedger.ProjectionHost.Rebuilds;

/// <summary>
/// Where a rebuild's bulk load reads history from instead of the event store (a parallel scan of the events table, the
/// default): the archive is one. A source replays every event up to its <see cref="PositionsAsync">positions</see>; the new
/// version's subscription is seeded with them and catches up from the stream after them, so "the rest" comes from the
/// event store's own change log. Operators choose it by name (<c>projections rebuild NAME --source archive</c>).
/// </summary>
public interface IReplaySource
{
    /// <summary>The name operators pass, e.g. <c>archive</c>.</summary>
    string Name { get; }

    /// <summary>Per shard, the stream position up to which <see cref="ReadAsync"/> replays every event.</summary>
    /// <exception cref="ReplaySourceUnavailableException">The source cannot serve a rebuild now (and says why).</exception>
    Task<IReadOnlyList<ReplayPosition>> PositionsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Segment <paramref name="segment"/> of <paramref name="segments"/>, from <paramref name="resume"/> (null: its start): pages
    /// whose events are in version order per invoice (an invoice belongs to one segment), each with the token to resume after
    /// it (null: the segment is done) and how many events it read.
    /// </summary>
    IAsyncEnumerable<ReplayPage> ReadAsync(int segment, int segments, Dictionary<string, AttributeValue>? resume, CancellationToken cancellationToken);

    /// <summary>Whether a saved resume token is this source's, so a rebuild resumed after a restart reads on from it.</summary>
    bool Owns(Dictionary<string, AttributeValue> resume);
}

/// <summary>A shard position of a replay source.</summary>
public sealed record ReplayPosition(string ShardId, string? ParentShardId, string SequenceNumber);

/// <summary>One page of a replay: events in per-invoice order, the token to resume after it (null: segment done), events read.</summary>
public sealed record ReplayPage(IReadOnlyList<StoredEvent> Events, Dictionary<string, AttributeValue>? Resume, int Read);

/// <summary>A replay source cannot serve a rebuild now; the message says why and what to do.</summary>
public sealed class ReplaySourceUnavailableException(string message) : Exception(message);
