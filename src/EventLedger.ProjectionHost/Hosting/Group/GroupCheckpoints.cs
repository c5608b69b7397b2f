using System.Globalization;
using System.Numerics;
using EventLedger.Streams.Checkpoints;

namespace EventLedger.ProjectionHost.Hosting.Group;

/// <summary>
/// The checkpoints of the live read-model group, kept per member under the member's own subscription name
/// (<c>invoice-totals-v1</c>, …) in the lease table, exactly where that version's own subscription kept them: a group
/// shard starts after the lowest member checkpoint (a member that is ahead sees the difference again, which its version
/// guards make a no-op), and a finished batch is checkpointed for every member. So the rebuild engine (which seeds, compares
/// and deletes checkpoints per version) works unchanged, and a version moves between its own subscription and the group
/// without losing its place.
/// </summary>
internal sealed class GroupCheckpoints(ICheckpointStore inner, Func<IReadOnlyList<string>> members) : ICheckpointStore
{
    public async Task<string?> GetAsync(string subscription, string shardId, CancellationToken cancellationToken)
    {
        var names = members();
        if (names.Count == 0)
        {
            return null;
        }

        var checkpoints = await Task.WhenAll(names.Select(m => inner.GetAsync(m, shardId, cancellationToken)));
        return checkpoints.Aggregate(Lowest);
    }

    public Task SaveAsync(string subscription, string shardId, string sequenceNumber, CancellationToken cancellationToken) =>
        Task.WhenAll(members().Select(m => inner.SaveAsync(m, shardId, sequenceNumber, cancellationToken)));

    public Task MarkShardEndAsync(string subscription, string shardId, CancellationToken cancellationToken) =>
        Task.WhenAll(members().Select(m => inner.MarkShardEndAsync(m, shardId, cancellationToken)));

    /// <summary>The earlier of two checkpoints: none (start of the shard) before any sequence number before SHARD_END.</summary>
    internal static string? Lowest(string? a, string? b)
    {
        if (a is null || b is null) return null;
        if (Checkpoint.IsShardEnd(a)) return b;
        if (Checkpoint.IsShardEnd(b)) return a;
        return BigInteger.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out var x)
            && BigInteger.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out var y)
            ? (x <= y ? a : b)
            : (string.CompareOrdinal(a, b) <= 0 ? a : b);
    }
}
