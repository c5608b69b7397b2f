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
        Documents = DocumentStore.For(options => Configure(options, dataSource, schema));
        DocumentTable = $"{schema}.mt_doc_invoicesearchdocument";
    }

    /// <summary>The PostgreSQL schema holding this version.</summary>
    public string Schema { get; }

    /// <summary>The Marten document store of this version.</summary>
    public IDocumentStore Documents { get; }

    /// <summary>The documents' table, schema-qualified (for raw SQL).</summary>
    public string DocumentTable { get; }

    internal NpgsqlDataSource DataSource => _dataSource;

    /// <summary>
    /// The Marten mapping. Scalar filters are duplicated into real, b-tree indexed columns; item names into a GIN-indexed
    /// <c>text[]</c>; the search text has a full-text index under the constant <see cref="TextSearchConfig"/>; the vendor
    /// has Marten's n-gram index (1-, 2- and 3-grams, so even a one-character substring such as <c>1</c> is an index
    /// lookup, where pg_trgm would scan). Numeric revisions make <c>mt_version</c> the stream version, which
    /// <c>TryUpdateRevision</c> compares before it writes.
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
            .FullTextIndex(TextSearchConfig, d => d.SearchText)
            .NgramIndex(d => d.Vendor!);
        options.Schema.For<SearchCheckpoint>();
    }

    /// <summary>
    /// Creates or updates the schema's objects (Marten compares them with the mapping and applies the difference, under
    /// its advisory lock). Safe on every start-up and from several hosts; also the start-up probe for bad settings.
    /// </summary>
    public Task MigrateAsync(CancellationToken cancellationToken = default) =>
        ExecuteAsync("creating the schema", async ct =>
        {
            await Documents.Storage.ApplyAllConfiguredChangesToDatabaseAsync();
            return 0;
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
