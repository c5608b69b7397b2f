using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace EventLedger.IntegrationTests.Analytics;

/// <summary>
/// A throw-away PostgreSQL server that a test can stop and start (the shared fixture's server must not be restarted
/// under other tests). Uses the system's server binaries (EVENTLEDGER_PG_BINDIR, or the newest
/// /usr/lib/postgresql/N/bin); when the tests run as root the server runs as the <c>postgres</c> user, since it refuses
/// to run as root.
/// TODO: switch to the embedded stack's PostgreSQL once it can start a private, restartable instance.
/// </summary>
internal sealed class PrivatePostgres : IAsyncDisposable
{
    private readonly string _binDir;
    private readonly string _dataDir;
    private readonly string? _runAs;

    private PrivatePostgres(string binDir, string dataDir, int port, string? runAs)
    {
        _binDir = binDir;
        _dataDir = dataDir;
        Port = port;
        _runAs = runAs;
    }

    public int Port { get; }

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Timeout=5";

    public static async Task<PrivatePostgres> StartAsync()
    {
        var binDir = FindBinDir() ?? throw new InvalidOperationException(
            "This test needs the PostgreSQL server binaries (initdb, pg_ctl): install them or set EVENTLEDGER_PG_BINDIR.");
        var dataDir = Path.Combine(Path.GetTempPath(), $"eventledger-pg-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dataDir);
        var runAs = Environment.UserName == "root" ? "postgres" : null;
        if (runAs is not null)
        {
            await RunAsync("chown", [runAs, dataDir]);
        }

        var server = new PrivatePostgres(binDir, dataDir, FreePort(), runAs);
        await server.PgAsync("initdb", ["-D", dataDir, "-A", "trust", "-U", "postgres", "--no-sync"]);
        await server.StartServerAsync();
        return server;
    }

    public Task StartServerAsync() => PgAsync("pg_ctl",
        ["-D", _dataDir, "-w", "-l", Path.Combine(_dataDir, "log"),
         "-o", $"-p {Port} -k {_dataDir} -c listen_addresses=127.0.0.1 -c fsync=off", "start"]);

    /// <summary><c>pg_ctl stop -m fast</c>: sessions are terminated, the server shuts down cleanly.</summary>
    public Task StopServerAsync() => PgAsync("pg_ctl", ["-D", _dataDir, "-w", "-m", "fast", "stop"]);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await PgAsync("pg_ctl", ["-D", _dataDir, "-w", "-m", "immediate", "stop"]);
        }
        catch (InvalidOperationException)
        {
            // already stopped
        }

        Directory.Delete(_dataDir, recursive: true);
    }

    private Task PgAsync(string tool, string[] args)
    {
        var path = Path.Combine(_binDir, tool);
        return _runAs is null ? RunAsync(path, args) : RunAsync("runuser", ["-u", _runAs, "--", path, .. args]);
    }

    private static async Task RunAsync(string file, string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited {process.ExitCode}: {await error}{await output}");
        }
    }

    private static string? FindBinDir()
    {
        if (Environment.GetEnvironmentVariable("EVENTLEDGER_PG_BINDIR") is { Length: > 0 } configured)
        {
            return configured;
        }

        return new DirectoryInfo("/usr/lib/postgresql").Exists
            ? new DirectoryInfo("/usr/lib/postgresql").GetDirectories()
                .Select(d => Path.Combine(d.FullName, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "pg_ctl")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .FirstOrDefault()
            : null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
