using System.Net.Sockets;
using System.Text.RegularExpressions;
using JasperFx;
using Marten;
using Npgsql;
using Weasel.Core;
using Weasel.Postgresql.Tables;

namespace EventLedger.Projections.Search;

/// <summary>
/// One version of the <c>invoice-search</c> read model: a Marten document store whose every object (the document table,
/// its indexes, Marten's n-gram functions, the checkpoints) lives in one PostgreSQL schema, on a shared data source.
/// Every component goes through <see cref="ExecuteAsync{T}"/>, so connection failures surface as
/// <see cref="InvoiceSearchStoreUnavailableException"/> or <see cref="InvoiceSearchStoreConfigurationException"/>.
/// </summary>
public sealed partial class InvoiceSearchStore : IAsyncDisposable
{
    /// <summary>
    /// The text-search configuration of the full-text index and of every query over it: a constant, never user input
    /// (CVE-2026-45288 was Marten's <c>regConfig</c> spliced into SQL). 'simple' lower-cases and keeps every word: the
    /// documents hold names, codes and numbers, which an English stemmer and stop-word list would only mangle.
    /// </summary>
    public const string TextSearchConfig = "simple";

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _endpoint;

    /// <param name="dataSource">Shared data source (pooling); not disposed by this store.</param>
    /// <param name="schema">Lower-case PostgreSQL identifier, e.g. <c>eventledger_invoice_search_v1</c>.</param>
    public InvoiceSearchStore(NpgsqlDataSource dataSource, string schema)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        if (!SchemaPattern().IsMatch(schema))
        {
            throw new ArgumentException(
                $"'{schema}' is not a valid search schema name: use 1-63 lower-case letters, digits or '_', not starting with a digit.", nameof(schema));
        }

        _dataSource = dataSource;
        Schema = schema;
        var settings = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        _endpoint = $"{settings.Host}:{settings.Port} (database '{settings.Database ?? settings.Username}', user '{settings.Username}')";
        var documents = DocumentStore.For(options => Configure(options, dataSource, schema));
        WithoutLowCardinalityIndexes(documents);
        Documents = documents;
        DocumentTable = $"{schema}.mt_doc_invoicesearchdocument";
    }

    /// <summary>The PostgreSQL schema holding this version.</summary>
    public string Schema { get; }

    /// <summary>The Marten document store of this version.</summary>
    public IDocumentStore Documents { get; }

    /// <summary>The documents' table, schema-qualified (for raw SQL).</summary>
    public string DocumentTable { get; }

    /// <summary>Marten's table of <see cref="SearchCheckpoint"/> documents.</summary>
    public string CheckpointTable => $"{Schema}.mt_doc_searchcheckpoint";

    internal NpgsqlDataSource DataSource => _dataSource;

    /// <summary>The stored full-text vector: <c>to_tsvector('simple', data -&gt;&gt; 'searchText')</c>, computed by PostgreSQL on write.</summary>
    public const string SearchVectorColumn = "search_vector";

    /// <summary>GIN over <see cref="SearchVectorColumn"/>.</summary>
    public const string FullTextIndex = "search_fts";

    /// <summary>pg_trgm GIN over <c>data -&gt;&gt; 'vendor'</c> (serves <c>ILIKE '%…%'</c>).</summary>
    public const string VendorIndex = "search_vendor_trgm";

    /// <summary>Marten's GIN over the duplicated <c>item_names text[]</c>.</summary>
    public const string ItemNamesIndex = "mt_doc_invoicesearchdocument_idx_item_names";

    private const string PrimaryKeyIndex = "pkey_mt_doc_invoicesearchdocument_id";

    /// <summary>
    /// The Marten mapping: the table, its duplicated columns with their b-tree indexes and the GIN over <c>item_names</c>.
    /// The full-text and vendor indexes are not Marten's: a stored tsvector column (ranking reads it instead of parsing the
    /// text again per candidate) and a pg_trgm index (C, where Marten's n-gram index calls a PL/pgSQL function per written
    /// row, which made it the largest cost of a write). <see cref="MigrateAsync"/> creates them after Marten's migration,
    /// and <c>IgnoreIndex</c> keeps Marten's migration from dropping them. Numeric revisions make <c>mt_version</c> the stream
    /// version, which <c>TryUpdateRevision</c> compares before it writes.
    /// </summary>
    private static void Configure(StoreOptions options, NpgsqlDataSource dataSource, string schema)
    {
        options.Connection(dataSource);
        options.DatabaseSchemaName = schema;
        options.AutoCreateSchemaObjects = AutoCreate.CreateOrUpdate;
        options.UseSystemTextJsonForSerialization(EnumStorage.AsString, Casing.CamelCase);
        options.Schema.For<InvoiceSearchDocument>()
            .UseNumericRevisions(true)
            .Duplicate(d => d.InvoiceNumber, notNull: true)
            .Duplicate(d => d.Country, notNull: true)
            .Duplicate(d => d.Currency, notNull: true)
            .Duplicate(d => d.InvoiceDate, pgType: "date", notNull: true)
            .Duplicate(d => d.Status, notNull: true)
            .Duplicate(d => d.ItemNames, pgType: "text[]", configure: index => index.Method = IndexMethod.gin)
            .IgnoreIndex(FullTextIndex)
            .IgnoreIndex(VendorIndex);
        options.Schema.For<SearchCheckpoint>();
    }

    /// <summary>The duplicated columns that get no b-tree (see <see cref="WithoutLowCardinalityIndexes"/>).</summary>
    internal static readonly string[] UnindexedColumns = ["country", "currency", "status"];

    /// <summary>
    /// Country, currency and status hold a handful of values each: a b-tree on one never beats the id-ordered scan a filtered
    /// page uses (a common value fills a page of 50 within the first rows; a rare one is found by the other filters of the
    /// query), yet every written row paid for three more index insertions (catch-up 4 % faster without them, interleaved A/B).
    /// Marten's <c>Duplicate</c> always adds a b-tree, so the mapping drops them before its first migration reads it (and that
    /// migration drops them from a schema created before); the columns stay for filtering.
    /// </summary>
    private static void WithoutLowCardinalityIndexes(DocumentStore store)
    {
        // The table definition Marten migrates from (built once per store from the mapping, where Duplicate put the indexes).
        if (store.Options.Storage.FindFeature(typeof(InvoiceSearchDocument)).Objects.OfType<Table>().SingleOrDefault() is not { } table)
        {
            throw new InvalidOperationException("Marten did not return the table definition of InvoiceSearchDocument.");
        }

        foreach (var index in table.Indexes.Where(i => i.Columns is [var column] && UnindexedColumns.Contains(column)).ToList())
        {
            table.Indexes.Remove(index);
        }
    }

    /// <summary>
    /// Creates or updates the schema's objects (Marten compares them with the mapping and applies the difference, under
    /// its advisory lock), then the search column and indexes Marten does not manage. Every index missing is created, so
    /// this also finishes a bulk load that <see cref="DropSecondaryIndexesAsync"/> began (the rebuild engine creates the
    /// version's projection again when its catch-up starts); a table that got indexes here is analyzed, so the planner
    /// knows the loaded data. Safe on every start-up and from several hosts; also the start-up probe for bad settings.
    /// </summary>
    public Task MigrateAsync(CancellationToken cancellationToken = default) =>
        ExecuteAsync("creating the schema", async ct =>
        {
            await Documents.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            await using var connection = await _dataSource.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            await ExecuteAsync($"select pg_advisory_xact_lock(hashtext('eventledger-search:' || @schema))");
            // pg_trgm is a trusted extension (PostgreSQL 13+): a database owner may create it. One per database.
            await ExecuteAsync("create extension if not exists pg_trgm");
            var trigramSchema = (string)(await ScalarAsync("select n.nspname::text from pg_extension e join pg_namespace n on n.oid = e.extnamespace where e.extname = 'pg_trgm'"))!;
            var hadIndex = (bool)(await ScalarAsync($"select exists (select 1 from pg_indexes where schemaname = @schema and indexname = '{FullTextIndex}')"))!;
            await ExecuteAsync($"alter table {DocumentTable} add column if not exists {SearchVectorColumn} tsvector " +
                $"generated always as (to_tsvector('{TextSearchConfig}'::regconfig, coalesce(data ->> 'searchText', ''))) stored");
            await ExecuteAsync($"create index if not exists {FullTextIndex} on {DocumentTable} using gin ({SearchVectorColumn})");
            await ExecuteAsync($"create index if not exists {VendorIndex} on {DocumentTable} using gin ((data ->> 'vendor') \"{trigramSchema.Replace("\"", "\"\"", StringComparison.Ordinal)}\".gin_trgm_ops)");
            if (!hadIndex && (bool)(await ScalarAsync($"select exists (select 1 from {DocumentTable})"))!)
            {
                await ExecuteAsync($"analyze {DocumentTable}");
            }

            await transaction.CommitAsync(ct);
            return 0;

            async Task<object?> ScalarAsync(string sql)
            {
                // No command timeout: after a bulk load these build GIN indexes over every row (minutes at a million
                // documents on a busy 2-core machine; Npgsql's default 30 s failed the rebuild). The caller's token bounds them.
                await using var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = 0 };
                command.Parameters.AddWithValue("schema", Schema);
                return await command.ExecuteScalarAsync(ct);
            }

            async Task ExecuteAsync(string sql) => await ScalarAsync(sql);
        }, cancellationToken);

    /// <summary>
    /// Before the first page of a bulk load into an empty table: drops every index but the primary key (Marten's b-trees
    /// and item-name GIN, the full-text and vendor indexes), so the load writes only the heap and the key, and the next
    /// <see cref="MigrateAsync"/> builds each index once, sorted, over the loaded rows, instead of the load inserting into
    /// eight indexes row by row. Does nothing (returns false) when the table has rows: only a fresh version loses its
    /// indexes, never one that serves queries. Index builds are transactional, so a crash leaves either state, and
    /// <see cref="MigrateAsync"/> repairs both.
    /// </summary>
    public Task<bool> DropSecondaryIndexesAsync(CancellationToken cancellationToken = default) =>
        ExecuteAsync("preparing a bulk load", async ct =>
        {
            await using var connection = await _dataSource.OpenConnectionAsync(ct);
            await using var transaction = await connection.BeginTransactionAsync(ct);
            // The exclusive lock makes "empty" and the drops one decision against concurrent writers.
            await using (var lockTable = new NpgsqlCommand($"lock table {DocumentTable} in access exclusive mode", connection, transaction)) await lockTable.ExecuteNonQueryAsync(ct);
            await using (var any = new NpgsqlCommand($"select exists (select 1 from {DocumentTable})", connection, transaction))
            {
                if ((bool)(await any.ExecuteScalarAsync(ct))!) return false;
            }

            var indexes = new List<string>();
            await using (var list = new NpgsqlCommand(
                "select indexname::text from pg_indexes where schemaname = @schema and tablename = 'mt_doc_invoicesearchdocument' and indexname <> @pk",
                connection, transaction))
            {
                list.Parameters.AddWithValue("schema", Schema);
                list.Parameters.AddWithValue("pk", PrimaryKeyIndex);
                await using var reader = await list.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct)) indexes.Add(reader.GetString(0));
            }

            foreach (var index in indexes)
            {
                await using var drop = new NpgsqlCommand($"drop index if exists {Schema}.\"{index}\"", connection, transaction);
                await drop.ExecuteNonQueryAsync(ct);
            }

            await transaction.CommitAsync(ct);
            return indexes.Count > 0;
        }, cancellationToken);

    /// <summary>Drops this version's schema and everything in it (a version switched away from).</summary>
    public Task DropSchemaAsync(CancellationToken cancellationToken = default) =>
        ExecuteAsync("dropping the schema", async ct =>
        {
            await using var command = _dataSource.CreateCommand($"drop schema if exists {Schema} cascade");
            await command.ExecuteNonQueryAsync(ct);
            return 0;
        }, cancellationToken);

    /// <summary>Runs <paramref name="work"/> and translates connection-level failures; anything else propagates as it is.</summary>
    internal async Task<T> ExecuteAsync<T>(string operation, Func<CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        try
        {
            return await work(cancellationToken);
        }
        catch (Exception e) when (Translate(e, operation) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>The connection broke under a call in a way Npgsql reports as a state error, not as an I/O one.</summary>
    internal InvoiceSearchStoreUnavailableException ConnectionLost(string operation, Exception e)
    {
        _dataSource.Clear();
        return new InvoiceSearchStoreUnavailableException($"PostgreSQL at {_endpoint} failed while {operation}: the connection was lost", e);
    }

    private InvoiceSearchStoreException? Translate(Exception e, string operation)
    {
        if (e is OperationCanceledException or InvoiceSearchStoreException)
        {
            return null;
        }

        // Marten wraps Npgsql's exceptions; the cause is further down.
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case PostgresException pg when Classify(pg) is var (transient, reason) && reason is not null:
                    var message = $"PostgreSQL at {_endpoint} failed while {operation}: {reason}";
                    if (!transient) return new InvoiceSearchStoreConfigurationException(message, e);
                    _dataSource.Clear();
                    return new InvoiceSearchStoreUnavailableException(message, e);
                case PostgresException:
                    return null;
                case NpgsqlException or SocketException or IOException or TimeoutException:
                    // Idle pooled connections opened before a restart are dead too; drop them so the retry gets a fresh one.
                    _dataSource.Clear();
                    return new InvoiceSearchStoreUnavailableException(
                        $"Cannot use PostgreSQL at {_endpoint} while {operation}: {Innermost(inner)}", e);
            }
        }

        return null;
    }

    private (bool Transient, string? Reason) Classify(PostgresException pg) => pg.SqlState switch
    {
        // connection exceptions, admin/crash shutdown, starting up / shutting down, too many connections, out of
        // resources, serialization failure, deadlock, lock not available.
        var s when s.StartsWith("08", StringComparison.Ordinal) => (true, pg.MessageText),
        "57P01" or "57P02" or "57P03" or "57P05" or "53000" or "53100" or "53200" or "53300" or "53400"
            or "40001" or "40P01" or "55P03" => (true, $"{pg.MessageText} ({pg.SqlState})"),
        "28000" or "28P01" or "3D000" or "42501" => (false, $"{pg.MessageText} ({pg.SqlState})"),
        "3F000" or "42P01" => (false, $"schema '{Schema}' is missing or not created ({pg.MessageText}); run {nameof(MigrateAsync)} first"),
        _ => (false, null),
    };

    private static string Innermost(Exception e)
    {
        var inner = e;
        while (inner.InnerException is not null) inner = inner.InnerException;
        return inner is SocketException { SocketErrorCode: SocketError.ConnectionRefused } ? "connection refused" : inner.Message;
    }

    public ValueTask DisposeAsync()
    {
        Documents.Dispose();
        return ValueTask.CompletedTask;
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex SchemaPattern();
}
