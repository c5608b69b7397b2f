using EventLedger.EventStore.Events;
using Npgsql;

namespace EventLedger.Projections.Analytics;

/// <summary>Progress of a bulk load, reported after each chunk is written.</summary>
public sealed record AnalyticsBulkLoadProgress(long EventsRead, long EventsWritten, long FactsWritten);

/// <summary>What a bulk load wrote.</summary>
public sealed record AnalyticsBulkLoadResult(long Events, long Facts, long Transactions, long Invoices, TimeSpan Elapsed);

/// <summary>
/// Builds a fresh read-model version from the event store (replay/rebuild) with binary COPY, applying the same fold as
/// <see cref="AnalyticsProjection"/>:
/// <list type="number">
/// <item>the indexes and keys of <c>facts</c> and <c>transactions</c> are dropped for the load (and rebuilt at the
/// end: building an index once is far cheaper than maintaining it row by row);</item>
/// <item>events are cut into chunks and each chunk is folded in memory; its facts are COPYed straight into
/// <c>facts</c>, its transaction states and applied versions into temporary staging tables (the next chunk is read
/// while one is written; memory is bounded by the chunk size);</item>
/// <item>at the end each transaction takes the state of its highest version and each invoice its highest version —
/// the guards of the incremental path, applied once — and the keys and indexes are rebuilt (a duplicate event in the
/// input fails here, on the primary key).</item>
/// </list>
/// The whole load is one transaction: a failed load leaves the schema as it was, empty. Afterwards catch up from the
/// stream with <see cref="AnalyticsProjection"/>; events the load applied are skipped.
/// </summary>
public sealed class AnalyticsBulkLoader
{
    private static readonly string[] LoadedTables = ["facts", "transactions"];

    private readonly AnalyticsStore _store;
    private readonly int _chunkSize;

    /// <param name="chunkSize">Events folded and written together; bounds memory (roughly 1 KB per event).</param>
    public AnalyticsBulkLoader(AnalyticsStore store, int chunkSize = 20_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSize, 1);
        _store = store ?? throw new ArgumentNullException(nameof(store));
        _chunkSize = chunkSize;
    }

    /// <summary>Loads <paramref name="events"/> (ordered by version within each invoice) into the store's empty, migrated schema.</summary>
    /// <exception cref="InvalidOperationException">The schema already holds rows.</exception>
    public Task<AnalyticsBulkLoadResult> LoadAsync(
        IAsyncEnumerable<StoredEvent> events,
        IProgress<AnalyticsBulkLoadProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var schema = _store.Schema;
        return _store.ExecuteAsync("bulk loading", async (connection, ct) =>
        {
            var started = TimeProvider.System.GetTimestamp();
            await using var transaction = await connection.BeginTransactionAsync(ct);
            if (await ScalarAsync<bool>(connection, $"select exists (select 1 from {schema}.invoices) or exists (select 1 from {schema}.facts)", ct))
            {
                throw new InvalidOperationException(
                    $"Schema '{schema}' already holds analytics rows: a bulk load builds a fresh read-model version. " +
                    "Drop and re-migrate the schema, or apply events with AnalyticsProjection.");
            }

            var rebuild = await DropIndexesAsync(connection, schema, ct);
            await ExecuteAsync(connection, $"""
                create temporary table bulk_transactions (like {schema}.transactions) on commit drop;
                create temporary table bulk_invoices (invoice_number text not null, applied_version bigint not null) on commit drop;
                """, ct);

            var writer = new ChunkWriter(connection, schema);
            long read = 0;
            var chunk = new List<StoredEvent>(_chunkSize);
            Task pending = Task.CompletedTask;
            try
            {
                await foreach (var e in events.WithCancellation(ct))
                {
                    chunk.Add(e);
                    read++;
                    if (chunk.Count == _chunkSize)
                    {
                        // One write in flight at a time (one connection); the source is read meanwhile.
                        await pending;
                        pending = WriteAndReportAsync(writer, chunk, read, progress, ct);
                        chunk = new List<StoredEvent>(_chunkSize);
                    }
                }

                await pending;
                await WriteAndReportAsync(writer, chunk, read, progress, ct);
            }
            catch
            {
                // Never leave a COPY running on the connection we are about to roll back and return to the pool.
                try { await pending; } catch { /* the first failure is the one to report */ }
                throw;
            }

            // The guards of the incremental path, once: the highest version wins.
            await ExecuteAsync(connection, $"""
                set local work_mem = '64MB';
                insert into {schema}.transactions ({AnalyticsSql.TransactionColumns})
                select distinct on (invoice_number, transaction_id) {AnalyticsSql.TransactionColumns}
                from bulk_transactions
                order by invoice_number, transaction_id, last_version desc;
                insert into {schema}.invoices (invoice_number, applied_version, updated_at)
                select invoice_number, max(applied_version), now() from bulk_invoices group by invoice_number;
                """, ct);
            foreach (var ddl in rebuild)
            {
                await ExecuteAsync(connection, ddl, ct);
            }

            var transactions = await ScalarAsync<long>(connection, $"select count(*) from {schema}.transactions", ct);
            var invoices = await ScalarAsync<long>(connection, $"select count(*) from {schema}.invoices", ct);
            await transaction.CommitAsync(ct);
            await ExecuteAsync(connection, $"analyze {schema}.facts; analyze {schema}.transactions; analyze {schema}.invoices;", ct);

            return new AnalyticsBulkLoadResult(read, writer.Facts, transactions, invoices, TimeProvider.System.GetElapsedTime(started));
        }, cancellationToken);
    }

    /// <summary>
    /// Drops the keys and indexes of the loaded tables, read from the catalog (so that later migrations' indexes are
    /// covered too), and returns the statements that recreate them as they were.
    /// </summary>
    private static async Task<List<string>> DropIndexesAsync(NpgsqlConnection connection, string schema, CancellationToken ct)
    {
        var drop = new List<string>();
        var rebuild = new List<string>();
        await using (var command = new NpgsqlCommand("""
            select c.conrelid::regclass::text, quote_ident(c.conname), pg_get_constraintdef(c.oid)
            from pg_constraint c
            where c.connamespace = $1::regnamespace and c.contype in ('p', 'u')
              and c.conrelid = any($2::text[]::regclass[])
            """, connection) { Parameters = { new() { Value = schema }, new() { Value = LoadedTables.Select(t => $"{schema}.{t}").ToArray() } } })
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                drop.Add($"alter table {reader.GetString(0)} drop constraint {reader.GetString(1)}");
                rebuild.Add($"alter table {reader.GetString(0)} add constraint {reader.GetString(1)} {reader.GetString(2)}");
            }
        }

        await using (var command = new NpgsqlCommand("""
            select quote_ident(i.schemaname) || '.' || quote_ident(i.indexname), i.indexdef
            from pg_indexes i
            where i.schemaname = $1 and i.tablename = any($2)
              and not exists (select 1 from pg_constraint c where c.conindid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass)
            """, connection) { Parameters = { new() { Value = schema }, new() { Value = LoadedTables } } })
        await using (var reader = await command.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                drop.Add($"drop index {reader.GetString(0)}");
                rebuild.Add(reader.GetString(1));
            }
        }

        foreach (var ddl in drop)
        {
            await ExecuteAsync(connection, ddl, ct);
        }

        return rebuild;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        // Resolving and indexing millions of rows can outlast the default 30 s command timeout; cancellation still applies.
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(ct);
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlConnection connection, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(ct))!;
    }

    private static async Task WriteAndReportAsync(
        ChunkWriter writer, List<StoredEvent> chunk, long read, IProgress<AnalyticsBulkLoadProgress>? progress, CancellationToken ct)
    {
        if (chunk.Count == 0)
        {
            return;
        }

        await writer.WriteAsync(chunk, ct);
        progress?.Report(new AnalyticsBulkLoadProgress(read, writer.Events, writer.Facts));
    }

    private sealed class ChunkWriter(NpgsqlConnection connection, string schema)
    {
        private static readonly IReadOnlyDictionary<string, long> NothingApplied = new Dictionary<string, long>();

        public long Events { get; private set; }
        public long Facts { get; private set; }

        public async Task WriteAsync(List<StoredEvent> chunk, CancellationToken ct)
        {
            // Each chunk is folded on its own; an invoice continuing from an earlier chunk is resolved at the end
            // (highest version wins), exactly as the incremental path's guards resolve it.
            var changes = AnalyticsFold.Plan(chunk, NothingApplied);
            await AnalyticsCopyWriter.CopyFactsAsync(connection, $"{schema}.facts", changes.Facts, ct);
            await AnalyticsCopyWriter.CopyTransactionsAsync(connection, "bulk_transactions", changes.Transactions, ct);
            await AnalyticsCopyWriter.CopyInvoicesAsync(connection, "bulk_invoices", changes.Invoices, ct);
            Events += chunk.Count;
            Facts += changes.Facts.Count;
        }
    }
}
