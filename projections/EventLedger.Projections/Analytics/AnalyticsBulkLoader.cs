using EventLedger.EventStore.Events;
using Npgsql;
using NpgsqlTypes;

namespace EventLedger.Projections.Analytics;

/// <summary>Progress of a bulk load, reported after each chunk is written.</summary>
public sealed record AnalyticsBulkLoadProgress(long EventsRead, long EventsWritten, long FactsWritten);

/// <summary>What a bulk load wrote.</summary>
public sealed record AnalyticsBulkLoadResult(long Events, long Facts, long Transactions, long Invoices, TimeSpan Elapsed);

/// <summary>
/// Builds a fresh read-model version from the event store (replay/rebuild): binary COPY instead of per-batch statements.
/// Applies the same fold as <see cref="AnalyticsProjection"/>: events are cut into chunks, each chunk is folded in memory,
/// facts are COPYed straight into <c>facts</c>, and transaction states and applied versions are COPYed into temporary
/// staging tables and merged with the same version guards. Memory is bounded by the chunk size, and the next chunk is
/// read while the previous one is written. The whole load is one transaction: readers of the schema (there should be
/// none yet) see nothing or everything, and a failed load leaves the schema empty to start again. Afterwards, catch up
/// from the stream with <see cref="AnalyticsProjection"/>: events the load already applied are skipped.
/// </summary>
public sealed class AnalyticsBulkLoader
{
    private readonly AnalyticsStore _store;
    private readonly int _chunkSize;

    /// <param name="chunkSize">Events folded and written together; bounds memory (about 1 KB per event).</param>
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
            await using (var check = new NpgsqlCommand(
                $"select exists (select 1 from {schema}.invoices) or exists (select 1 from {schema}.facts)", connection, transaction))
            {
                if ((bool)(await check.ExecuteScalarAsync(ct))!)
                {
                    throw new InvalidOperationException(
                        $"Schema '{schema}' already holds analytics rows: a bulk load builds a fresh read-model version. " +
                        "Drop and re-migrate the schema, or apply events with AnalyticsProjection.");
                }
            }

            await using (var staging = new NpgsqlCommand($"""
                create temporary table bulk_transactions (like {schema}.transactions) on commit drop;
                create temporary table bulk_invoices (invoice_number text not null, applied_version bigint not null) on commit drop;
                """, connection, transaction))
            {
                await staging.ExecuteNonQueryAsync(ct);
            }

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

            long transactions, invoices;
            await using (var count = new NpgsqlCommand(
                $"select (select count(*) from {schema}.transactions), (select count(*) from {schema}.invoices)", connection, transaction))
            await using (var reader = await count.ExecuteReaderAsync(ct))
            {
                await reader.ReadAsync(ct);
                (transactions, invoices) = (reader.GetInt64(0), reader.GetInt64(1));
            }

            await transaction.CommitAsync(ct);
            await using (var analyze = new NpgsqlCommand(
                $"analyze {schema}.facts; analyze {schema}.transactions; analyze {schema}.invoices;", connection))
            {
                await analyze.ExecuteNonQueryAsync(ct);
            }

            return new AnalyticsBulkLoadResult(read, writer.Facts, transactions, invoices,
                TimeProvider.System.GetElapsedTime(started));
        }, cancellationToken);
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

        private readonly string _copyFacts = $"copy {schema}.facts ({AnalyticsSql.FactColumns}) from stdin (format binary)";
        private readonly string _merge = $"""
            insert into {schema}.transactions as t ({AnalyticsSql.TransactionColumns})
            select {AnalyticsSql.TransactionColumns} from bulk_transactions
            {AnalyticsSql.TransactionConflict("t")};
            truncate bulk_transactions;
            insert into {schema}.invoices as i (invoice_number, applied_version, updated_at)
            select invoice_number, applied_version, now() from bulk_invoices
            {AnalyticsSql.InvoiceConflict("i")};
            truncate bulk_invoices;
            """;

        public long Events { get; private set; }
        public long Facts { get; private set; }

        public async Task WriteAsync(List<StoredEvent> chunk, CancellationToken ct)
        {
            // Each chunk is folded on its own: an invoice continuing from an earlier chunk only has newer versions
            // (the input is ordered per invoice), and the merges below keep the highest version.
            var changes = AnalyticsFold.Plan(chunk, NothingApplied);

            await using (var copy = await connection.BeginBinaryImportAsync(_copyFacts, ct))
            {
                foreach (var f in changes.Facts)
                {
                    await copy.StartRowAsync(ct);
                    await copy.WriteAsync(f.InvoiceNumber, NpgsqlDbType.Text, ct);
                    await copy.WriteAsync(f.Version, NpgsqlDbType.Bigint, ct);
                    await copy.WriteAsync(f.EventId, NpgsqlDbType.Uuid, ct);
                    await copy.WriteAsync(f.EventType, NpgsqlDbType.Text, ct);
                    await copy.WriteAsync(f.TransactionId, NpgsqlDbType.Text, ct);
                    await copy.WriteAsync(f.Amount, NpgsqlDbType.Numeric, ct);
                    await copy.WriteAsync(f.AmountDelta, NpgsqlDbType.Numeric, ct);
                    await copy.WriteAsync(f.CountDelta, NpgsqlDbType.Smallint, ct);
                    await copy.WriteAsync(f.Currency, NpgsqlDbType.Text, ct);
                    await copy.WriteAsync(f.Country, NpgsqlDbType.Text, ct);
                    await copy.WriteAsync(f.InvoiceDate, NpgsqlDbType.Date, ct);
                    await copy.WriteAsync(f.RecordedAt.UtcDateTime, NpgsqlDbType.TimestampTz, ct);
                }

                await copy.CompleteAsync(ct);
            }

            await using (var copy = await connection.BeginBinaryImportAsync(
                $"copy bulk_transactions ({AnalyticsSql.TransactionColumns}) from stdin (format binary)", ct))
            {
                foreach (var t in changes.Transactions)
                {
                    await copy.StartRowAsync(ct);
                    await copy.WriteAsync(t.InvoiceNumber, NpgsqlDbType.Text, ct);
                    await copy.WriteAsync(t.TransactionId, NpgsqlDbType.Text, ct);
                    await copy.WriteAsync(t.Amount, NpgsqlDbType.Numeric, ct);
                    await copy.WriteAsync(t.Currency, NpgsqlDbType.Text, ct);
                    await copy.WriteAsync(t.Country, NpgsqlDbType.Text, ct);
                    await copy.WriteAsync(t.InvoiceDate, NpgsqlDbType.Date, ct);
                    await copy.WriteAsync(t.Status, NpgsqlDbType.Text, ct);
                    await copy.WriteAsync(t.LastVersion, NpgsqlDbType.Bigint, ct);
                }

                await copy.CompleteAsync(ct);
            }

            await using (var copy = await connection.BeginBinaryImportAsync(
                "copy bulk_invoices (invoice_number, applied_version) from stdin (format binary)", ct))
            {
                foreach (var i in changes.Invoices)
                {
                    await copy.StartRowAsync(ct);
                    await copy.WriteAsync(i.InvoiceNumber, NpgsqlDbType.Text, ct);
                    await copy.WriteAsync(i.AppliedVersion, NpgsqlDbType.Bigint, ct);
                }

                await copy.CompleteAsync(ct);
            }

            await using (var merge = new NpgsqlCommand(_merge, connection))
            {
                await merge.ExecuteNonQueryAsync(ct);
            }

            Events += chunk.Count;
            Facts += changes.Facts.Count;
        }
    }
}
