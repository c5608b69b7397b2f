using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace EventLedger.EmbeddedStack;

/// <summary>
/// A throwaway PostgreSQL server from the system's binaries: initdb into a <see cref="PostgresDataDirectory"/>, trust
/// auth, listening on 127.0.0.1 only at a free port, run as an unprivileged user when we are root, database
/// <c>eventledger</c> created. Stopping shuts it down fast and deletes the directory.
/// </summary>
internal sealed class PostgresProcess : IAsyncDisposable
{
    public const string Component = "PostgreSQL";
    public const string Database = "eventledger";
    private const string Superuser = PostgresCluster.Superuser;
    private const int MaxUnixSocketPath = 100; // sun_path is 108 bytes, minus "/.s.PGSQL.NNNNN"

    private readonly ChildProcess _process;
    private readonly PostgresDataDirectory _directory;
    private readonly IDisposable _exitRegistration;
    private readonly ILogger _logger;
    private int _stopped;

    private PostgresProcess(ChildProcess process, PostgresDataDirectory directory, int port, ILogger logger)
    {
        _process = process;
        _directory = directory;
        Port = port;
        _logger = logger;
        _exitRegistration = ExitCleanup.Register(_ => StopNow());
    }

    public int Port { get; }
    public int ProcessId => _process.Id;
    public string DataDirectory => _directory.Root;
    public string ConnectionString => BuildConnectionString(Port, Database, probe: false);

    public static async Task<PostgresProcess> StartAsync(string? repositoryRoot, TimeSpan timeout, ILogger logger, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var bin = PostgresBinaries.FindDirectory();
        var user = ServerUser.Resolve();
        var directory = await PostgresDataDirectory.CreateAsync(repositoryRoot, user, logger, cancellationToken);
        try
        {
            await PostgresCluster.CreateAsync(bin, directory, user, logger, cancellationToken);
            return await FreePort.StartServerAsync<PostgresProcess>(Component, "accepted connections", logger, async port =>
            {
                var child = ChildProcess.Start(Component, Path.Combine(bin, "postgres"), ServerArguments(directory, port), logger, directory.Root, user.Prefix);
                var started = new PostgresProcess(child, directory, port, logger);
                try
                {
                    // Orphaned, the cluster is deleted anyway: immediate shutdown (QUIT) skips the checkpoint.
                    child.GuardAgainstOrphaning("QUIT", directory.Root);
                    var probe = BuildConnectionString(port, "postgres", probe: true);
                    if (await child.WaitUntilAnsweringAsync(c => AcceptsConnectionsAsync(child, probe, c), $"accept connections on port {port}", stopwatch, timeout, cancellationToken))
                    {
                        await CreateDatabaseAsync(port, cancellationToken);
                        Log.Ready(logger, Component, $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}", stopwatch.ElapsedMilliseconds);
                        return (started, child);
                    }
                }
                catch
                {
                    await started.DisposeAsync();
                    throw;
                }

                // Exited before accepting connections: stop it but keep the cluster for the next attempt.
                await started.StopServerAsync();
                return (null, child);
            });
        }
        catch
        {
            directory.Delete();
            throw;
        }
    }

    private static List<string> ServerArguments(PostgresDataDirectory directory, int port)
    {
        // Unix socket beside the data (private, 0700) when the path fits in sun_path; TCP on loopback only.
        var socketDirectory = directory.Root.Length <= MaxUnixSocketPath - 16 ? directory.Root : "";
        return
        [
            "-D", directory.Data,
            "-p", port.ToString(CultureInfo.InvariantCulture),
            "-c", "listen_addresses=127.0.0.1",
            "-c", $"unix_socket_directories={socketDirectory}",
            "-c", "unix_socket_permissions=0700",
            // Dev/test server with default durability (fsync on, synchronous commit) and enough connections for parallel
            // tests, sized like a small production server rather than PostgreSQL's 128 MB defaults: the search read model
            // at a million documents (table and indexes ~2 GB) writes into GIN indexes all over the table, and with 128 MB
            // of buffers and a checkpoint per 1 GB of WAL its catch-up spent its time evicting pages and writing full-page
            // images (measured: 7,543 events/s before, 8,634 with the WAL settings alone, 9,581 with both; issue 12).
            // Shared memory is touched only as it is used, so an idle test instance costs no more than before.
            "-c", "shared_buffers=512MB",
            "-c", "wal_buffers=16MB",
            "-c", "max_wal_size=4GB",
            "-c", "checkpoint_timeout=30min",
            "-c", "max_connections=200",
            "-c", "TimeZone=UTC",
            "-c", "log_timezone=UTC",
            "-c", "logging_collector=off",
        ];
    }

    /// <returns>True once a connection opens; false while it cannot (yet), or once the server exited.</returns>
    private static async Task<bool> AcceptsConnectionsAsync(ChildProcess child, string probe, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new NpgsqlConnection(probe);
            await connection.OpenAsync(cancellationToken);
            return true;
        }
        catch (NpgsqlException) when (!child.HasExited)
        {
            // Not listening yet, or "the database system is starting up" (57P03).
            return false;
        }
        catch (SocketException) when (!child.HasExited)
        {
            return false;
        }
        catch (Exception) when (child.HasExited)
        {
            return false;
        }
    }

    private static async Task CreateDatabaseAsync(int port, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(BuildConnectionString(port, "postgres", probe: true));
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"CREATE DATABASE {Database}", connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string BuildConnectionString(int port, string database, bool probe)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = Superuser,
            Database = database,
        };
        if (probe)
        {
            builder.Pooling = false;
            builder.Timeout = 2;
        }

        return builder.ConnectionString;
    }

    /// <summary>For exit handlers: stops the server and deletes its directory synchronously.</summary>
    private void StopNow()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            // The process is ending and the cluster is deleted next: immediate shutdown (SIGQUIT) skips the checkpoint.
            _process.Stop(Native.SigQuit, TimeSpan.FromSeconds(5));
            _directory.Delete();
        }
    }

    /// <summary>SIGINT is PostgreSQL's fast shutdown: roll back open transactions, checkpoint, exit.</summary>
    private async Task StopServerAsync()
    {
        await _process.StopAsync(Native.SigInt, TimeSpan.FromSeconds(10));
        _exitRegistration.Dispose();
        _process.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        var stopwatch = Stopwatch.StartNew();
        var wasRunning = !_process.HasExited;
        await StopServerAsync();
        _directory.Delete();
        if (wasRunning)
        {
            Log.Stopped(_logger, Component, stopwatch.ElapsedMilliseconds);
        }
    }
}
