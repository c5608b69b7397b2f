using System.Net.Sockets;
using System.Text.RegularExpressions;
using Npgsql;

namespace EventLedger.Projections.Analytics;

/// <summary>
/// The analytics read model's PostgreSQL store: one schema per read-model version (<c>analytics_v1</c>, later
/// <c>analytics_v2</c> beside it during a rebuild). Owns nothing but a data source and a schema name; every component
/// (<see cref="AnalyticsProjection"/>, <see cref="AnalyticsCheckpoints"/>,
/// <see cref="AnalyticsQueries"/>) goes through it so that connection failures surface as
/// <see cref="AnalyticsStoreUnavailableException"/> or <see cref="AnalyticsStoreConfigurationException"/>.
/// </summary>
public sealed partial class AnalyticsStore : IAsyncDisposable
{
    /// <summary>The schema this build's read model (schema version 1) lives in unless told otherwise.</summary>
    public static readonly string DefaultSchema = SchemaNameFor(AnalyticsProjection.CurrentSchemaVersion);

    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly string _endpoint;

    /// <param name="dataSource">Shared data source (pooling); not disposed by this store.</param>
    /// <param name="schema">Lower-case PostgreSQL identifier, e.g. <c>analytics_v1</c>.</param>
    public AnalyticsStore(NpgsqlDataSource dataSource, string schema)
        : this(dataSource, schema, ownsDataSource: false)
    {
    }

    private AnalyticsStore(NpgsqlDataSource dataSource, string schema, bool ownsDataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        if (!SchemaPattern().IsMatch(schema))
        {
            throw new ArgumentException(
                $"'{schema}' is not a valid analytics schema name: use 1-63 lower-case letters, digits or '_', not starting with a digit.",
                nameof(schema));
        }

        _dataSource = dataSource;
        _ownsDataSource = ownsDataSource;
        Schema = schema;
        var settings = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        _endpoint = $"{settings.Host}:{settings.Port} (database '{settings.Database ?? settings.Username}', user '{settings.Username}')";
        Endpoint = $"{settings.Host}:{settings.Port}";
    }

    /// <summary>Creates a store with a data source of its own, disposed with the store.</summary>
    /// <exception cref="AnalyticsStoreConfigurationException">The connection string cannot be parsed.</exception>
    public static AnalyticsStore Create(string connectionString, string? schema = null)
    {
        NpgsqlDataSource dataSource;
        try
        {
            dataSource = NpgsqlDataSource.Create(connectionString);
        }
        catch (ArgumentException e)
        {
            // Npgsql names the offending keyword; the connection string itself may hold a password, so it is not echoed.
            throw new AnalyticsStoreConfigurationException($"Invalid PostgreSQL connection string: {e.Message}", e);
        }

        return new AnalyticsStore(dataSource, schema ?? DefaultSchema, ownsDataSource: true);
    }

    /// <summary>The schema name for a read-model schema version: <c>analytics_v{n}</c>.</summary>
    public static string SchemaNameFor(int schemaVersion) =>
        schemaVersion > 0 ? $"analytics_v{schemaVersion}" : throw new ArgumentOutOfRangeException(nameof(schemaVersion));

    /// <summary>The PostgreSQL schema holding this read-model version's tables.</summary>
    public string Schema { get; }

    /// <summary><c>host:port</c>, for messages and status.</summary>
    public string Endpoint { get; }

    internal NpgsqlDataSource DataSource => _dataSource;

    /// <summary>
    /// Applies any pending migrations (ordered, versioned, one transaction each, serialised across hosts by an advisory
    /// lock). Safe to call from several hosts at once and on every start-up; returns the versions it applied (empty when
    /// the schema was already current). This is also the start-up probe: bad settings fail here with one clear message.
    /// </summary>
    public Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken = default) =>
        AnalyticsMigrations.ApplyAsync(this, cancellationToken);

    /// <summary>Drops this schema and everything in it (a read-model version that has been switched away from).</summary>
    public Task DropSchemaAsync(CancellationToken cancellationToken = default) =>
        ExecuteAsync("dropping the schema", async (connection, ct) =>
        {
            await using var command = new NpgsqlCommand($"drop schema if exists {Schema} cascade", connection);
            await command.ExecuteNonQueryAsync(ct);
            return 0;
        }, cancellationToken);

    /// <summary>
    /// Opens a connection, runs <paramref name="work"/> and translates connection-level failures. Failures that are the
    /// caller's (bad data, bugs) propagate unchanged; cancellation stays an <see cref="OperationCanceledException"/>.
    /// </summary>
    internal async Task<T> ExecuteAsync<T>(
        string operation, Func<NpgsqlConnection, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        NpgsqlConnection connection;
        try
        {
            connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        }
        catch (Exception e) when (Translate(e, connecting: true, operation) is { } translated)
        {
            throw translated;
        }

        await using (connection)
        {
            try
            {
                return await work(connection, cancellationToken);
            }
            catch (Exception e) when (Translate(e, connecting: false, operation) is { } translated)
            {
                throw translated;
            }
        }
    }

    /// <summary>Maps an exception to the store's exception kinds, or null to let it propagate as it is.</summary>
    private AnalyticsStoreException? Translate(Exception e, bool connecting, string operation)
    {
        if (e is OperationCanceledException or AnalyticsStoreException)
        {
            return null;
        }

        var (kind, reason) = Classify(e);
        if (kind == FailureKind.Other)
        {
            return null;
        }

        var where = connecting
            ? $"Cannot connect to PostgreSQL at {_endpoint}: {reason}"
            : $"PostgreSQL at {_endpoint} failed while {operation}: {reason}";
        if (kind == FailureKind.Configuration)
        {
            return new AnalyticsStoreConfigurationException(where, e);
        }

        // Idle pooled connections opened before a restart are dead too; drop them so the retry gets a fresh one.
        _dataSource.Clear();
        return new AnalyticsStoreUnavailableException(where, e);
    }

    private enum FailureKind
    {
        Other,
        Unavailable,
        Configuration,
    }

    private (FailureKind Kind, string Reason) Classify(Exception e)
    {
        switch (e)
        {
            case PostgresException pg:
                return pg.SqlState switch
                {
                    // connection exceptions, admin/crash shutdown, starting up / shutting down, too many connections,
                    // out of memory/disk at the server, serialization failure, deadlock, lock not available.
                    var s when s.StartsWith("08", StringComparison.Ordinal) => (FailureKind.Unavailable, pg.MessageText),
                    "57P01" or "57P02" or "57P03" or "57P05" or "53000" or "53100" or "53200" or "53300" or "53400"
                        or "40001" or "40P01" or "55P03" => (FailureKind.Unavailable, $"{pg.MessageText} ({pg.SqlState})"),
                    "28000" or "28P01" or "3D000" or "42501" => (FailureKind.Configuration, $"{pg.MessageText} ({pg.SqlState})"),
                    "3F000" or "42P01" => (FailureKind.Configuration,
                        $"schema '{Schema}' is missing or not migrated ({pg.MessageText}); run {nameof(MigrateAsync)} first"),
                    _ => (FailureKind.Other, pg.MessageText),
                };
            case NpgsqlException npgsql:
                return (FailureKind.Unavailable, Reason(npgsql));
            case SocketException or IOException or TimeoutException:
                return (FailureKind.Unavailable, Reason(e));
            default:
                return (FailureKind.Other, e.Message);
        }
    }

    /// <summary>The innermost meaningful reason: "connection refused" rather than "Failed to connect to …".</summary>
    private static string Reason(Exception e)
    {
        for (var inner = e; inner is not null; inner = inner.InnerException)
        {
            switch (inner)
            {
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused }:
                    return "connection refused";
                case SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain }:
                    return "host not found";
                case SocketException { SocketErrorCode: SocketError.TimedOut }:
                case TimeoutException:
                    return "timed out";
                case SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown } socket:
                    return $"the connection was closed ({socket.Message})";
                case SocketException socket:
                    return socket.Message;
                case EndOfStreamException:
                case IOException when inner.InnerException is null:
                    return "the connection was closed";
            }
        }

        return e.Message;
    }

    public async ValueTask DisposeAsync()
    {
        if (_ownsDataSource)
        {
            await _dataSource.DisposeAsync();
        }
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex SchemaPattern();
}
