using System.Collections.Concurrent;
using Npgsql;

namespace EventLedger.Projections.Search;

/// <summary>
/// The checkpoint this process last committed per subscription and shard, and the check every checkpoint write makes
/// against it. Batches commit with <c>synchronous_commit = off</c> (ADR 0001): PostgreSQL acknowledges the COMMIT before
/// its WAL is on disk, so a PostgreSQL crash can lose the last few hundred milliseconds of commits — documents and
/// checkpoint together, so the store stays consistent, but the host has already read past them. The next checkpoint
/// write of that shard finds the stored checkpoint behind this process's last commit and throws
/// <see cref="InvoiceSearchCheckpointMovedException"/>; the host then reads the shard again from the stored checkpoint.
/// A write that passes the check commits after every write it continues (WAL is one sequence), so nothing before it can
/// be lost on its own.
/// </summary>
public sealed class CommittedCheckpoints
{
    private readonly ConcurrentDictionary<string, string> _committed = new(StringComparer.Ordinal);

    /// <summary>
    /// In the caller's transaction: locks the checkpoint row and compares it with this process's last commit for the shard
    /// (none yet: anything stored is accepted, the worker started from it).
    /// </summary>
    /// <exception cref="InvoiceSearchCheckpointMovedException">The stored checkpoint is not this process's last commit.</exception>
    internal async Task VerifyAsync(InvoiceSearchStore store, NpgsqlConnection connection, NpgsqlTransaction transaction, string id, CancellationToken ct)
    {
        if (!_committed.TryGetValue(id, out var expected))
        {
            return;
        }

        await using var command = new NpgsqlCommand($"select data ->> 'sequenceNumber' from {store.CheckpointTable} where id = @id for update", connection, transaction);
        command.Parameters.AddWithValue("id", id);
        var stored = await command.ExecuteScalarAsync(ct) as string;
        if (string.Equals(stored, expected, StringComparison.Ordinal))
        {
            return;
        }

        // Forget what this process believed: the worker starts again from what is stored, and its next write is checked against that.
        if (stored is null) _committed.TryRemove(id, out _);
        else _committed[id] = stored;
        throw new InvoiceSearchCheckpointMovedException(
            $"The search checkpoint {id} is at {stored ?? "(none)"}, not at {expected} where this process's last commit left it: PostgreSQL lost " +
            "commits in a crash (batches commit asynchronously) or another host moved it. The shard is read again from the stored checkpoint.",
            stored);
    }

    /// <summary>After COMMIT: the checkpoint this process now expects to find.</summary>
    internal void Committed(string id, string sequenceNumber) => _committed[id] = sequenceNumber;
}
