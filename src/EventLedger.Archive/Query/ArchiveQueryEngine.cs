using System.Data.Common;
using DuckDB.NET.Data;
using EventLedger.Archive.Format;
using EventLedger.Archive.Reading;

namespace EventLedger.Archive.Query;

/// <summary>
/// Ad hoc SQL over the archive with DuckDB (in process, in memory): a view <c>events</c> over every data object (hive
/// partitions <c>year</c>, <c>month</c>, <c>day</c> from the keys), after the objects are fetched into the local cache. The
/// connection may only read the archive's files: external access is off outside them and the setting is locked, so a query
/// cannot read or write other files.
/// </summary>
public sealed class ArchiveQueryEngine(ArchiveObjectCache cache)
{
    /// <summary>The view's columns when the archive holds no object yet (the Parquet schema plus the partitions).</summary>
    private const string EmptyEvents = """
        CREATE TABLE events (stream_id VARCHAR, version BIGINT, event_id VARCHAR, event_type VARCHAR, schema_version INTEGER,
          recorded_at TIMESTAMPTZ, transaction_id VARCHAR, amount DECIMAL(18,4), previous_amount DECIMAL(18,4), currency VARCHAR,
          country VARCHAR, invoice_date DATE, verifier VARCHAR, payload VARCHAR, metadata VARCHAR, year INTEGER, month INTEGER, day INTEGER)
        """;

    /// <summary>Runs one SQL statement; at most <paramref name="maxRows"/> rows are returned (the result says if more were cut).</summary>
    /// <exception cref="ArchiveQueryException">The SQL is wrong or refers to something that is not there.</exception>
    public async Task<ArchiveQueryResult> RunAsync(string sql, int maxRows, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(sql))
        {
            throw new ArchiveQueryException("The query is empty. Example: SELECT count(*) FROM events");
        }

        var objects = await cache.SyncAsync(ct);
        await using var connection = new DuckDBConnection("DataSource=:memory:");
        await connection.OpenAsync(ct);
        var root = cache.Root.TrimEnd('/', '\\');
        await ExecuteAsync(connection, objects.Count == 0
            ? EmptyEvents
            : $"""
               CREATE VIEW events AS SELECT * EXCLUDE (year, month, day), year, month, day FROM read_parquet('{Literal(Path.Combine(root, ArchiveLayout.DataFolder))}**/*.parquet',
                 hive_partitioning = true, hive_types = {"{"}'year': INTEGER, 'month': INTEGER, 'day': INTEGER{"}"}, union_by_name = true)
               """, ct);
        await ExecuteAsync(connection,
            $"SET allowed_directories = ['{Literal(root)}']; SET enable_external_access = false; SET lock_configuration = true;", ct);

        try
        {
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await using var reader = await command.ExecuteReaderAsync(ct);
            var columns = Enumerable.Range(0, reader.FieldCount)
                .Select(i => new ArchiveQueryColumn(reader.GetName(i), reader.GetDataTypeName(i)))
                .ToList();
            var rows = new List<object?[]>();
            var truncated = false;
            while (await reader.ReadAsync(ct))
            {
                if (rows.Count == maxRows)
                {
                    truncated = true;
                    break;
                }

                var row = new object?[reader.FieldCount];
                for (var i = 0; i < row.Length; i++)
                {
                    row[i] = await reader.IsDBNullAsync(i, ct) ? null : reader.GetValue(i) switch
                    {
                        // DuckDB keeps TIMESTAMPTZ as a UTC instant; DuckDB.NET hands it over as a DateTime of unspecified kind.
                        DateTime t when columns[i].Type == "TimestampTz" => new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc)),
                        var value => value,
                    };
                }

                rows.Add(row);
            }

            return new ArchiveQueryResult(columns, rows, truncated, objects.Count);
        }
        catch (DbException ex)
        {
            throw new ArchiveQueryException(ex.Message, ex);
        }
    }

    private static async Task ExecuteAsync(DuckDBConnection connection, string sql, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(ct);
    }

    private static string Literal(string text) => text.Replace("'", "''", StringComparison.Ordinal);
}

/// <summary>A query's result: column names and DuckDB types, rows (values as DuckDB.NET gives them), whether rows were cut.</summary>
public sealed record ArchiveQueryResult(IReadOnlyList<ArchiveQueryColumn> Columns, IReadOnlyList<object?[]> Rows, bool Truncated, int Objects);

public sealed record ArchiveQueryColumn(string Name, string Type);

/// <summary>The query is wrong (DuckDB's message says how).</summary>
public sealed class ArchiveQueryException(string message, Exception? inner = null) : Exception(message, inner);
