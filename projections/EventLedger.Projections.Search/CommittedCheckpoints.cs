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
    /// In the caller's transaction, in one round trip: locks the checkpoint row and compares it with this process's last
    /// commit for the shard (none yet: anything stored is accepted, the worker started from it), and with
    /// <paramref name="commitAsynchronously"/> sets <c>synchronous_commit = off</c> for the transaction.
    /// </summary>
    /// <exception cref="InvoiceSearchCheckpointMovedException">The stored checkpoint is not this process's last commit.</exception>
    internal async Task VerifyAsync(
        InvoiceSearchStore store, NpgsqlConnection connection, NpgsqlTransaction transaction, string id, bool commitAsynchronously, CancellationToken ct)
    {
        var known = _committed.TryGetValue(id, out var expected);
        await using var batch = new NpgsqlBatch(connection, transaction);
        if (known)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand($"select data ->> 'sequenceNumber' from {store.CheckpointTable} where id = $1 for update")
            {
                Parameters = { new NpgsqlParameter { Value = id } },
            });
        }

        if (commitAsynchronously)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand("set local synchronous_commit = off"));
        }

        if (batch.BatchCommands.Count == 0)
        {
            return;
        }

        string? stored = null;
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            if (known && await reader.ReadAsync(ct) && !await reader.IsDBNullAsync(0, ct))
            {
                stored = reader.GetString(0);
            }
        }

        if (!known || string.Equals(stored, expected, StringComparison.Ordinal))
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
