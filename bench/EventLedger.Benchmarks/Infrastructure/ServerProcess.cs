using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using EventLedger.Api.Security;

namespace EventLedger.Benchmarks.Infrastructure;

/// <summary>
/// The product's server (<c>eventledger serve</c>, from this program's output directory) as a child process on the
/// bench's stack, so that what is measured of it — its peak memory above all — is the server's alone.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    /// <summary>Environment variables for the server process only, <c>NAME=value</c> separated by <c>;</c>.</summary>
    public const string ServerEnvironmentVariable = "EVENTLEDGER_BENCH_SERVER_ENV";

    private readonly Process _process;
    private readonly StringBuilder _tail = new();

    private ServerProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(60) };
        // The server is its own issuer and finds the same key under the checkout's .eventledger/ (auth stays on, as measured).
        Http.DefaultRequestHeaders.Authorization = LocalTokenIssuer.FromEnvironment()?.Bearer("bench", LedgerScopes.All, TimeSpan.FromHours(12));
        _process.OutputDataReceived += (_, e) => Keep(e.Data);
        _process.ErrorDataReceived += (_, e) => Keep(e.Data);
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public Uri BaseAddress { get; }

    public HttpClient Http { get; }

    public int Id => _process.Id;

    /// <summary>The last lines the server wrote (for failures).</summary>
    public string RecentOutput
    {
        get
        {
            lock (_tail) return _tail.ToString();
        }
    }

    /// <summary>Starts <c>eventledger serve</c> with <paramref name="environment"/> and waits until it answers <c>GET /projections</c>.</summary>
    /// <param name="ownCopy">
    /// Run the server from its own copy of the .NET runtime and of the application (a temporary directory, deleted on
    /// dispose), as in a container of its own: file pages that this benchmark process also maps (the same runtime, the same
    /// assemblies) count in the server's resident set, and the kernel will not page out pages another process maps, so a
    /// server sharing them with the benchmark keeps start-up code resident that a server alone would give back.
    /// </param>
    public static async Task<ServerProcess> StartAsync(IReadOnlyDictionary<string, string> environment, CancellationToken ct, bool ownCopy = false)
    {
        var port = FreePort();
        string? copy = null;
        var dotnet = "dotnet";
        var application = AppContext.BaseDirectory;
        if (ownCopy)
        {
            copy = Directory.CreateTempSubdirectory("eventledger-server-").FullName;
            try
            {
                // The runtime directory is <root>/shared/Microsoft.NETCore.App/<version>/; the host (dotnet) sits in <root>.
                var runtimeRoot = Path.GetFullPath(Path.Combine(System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", ".."));
                var host = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
                Directory.CreateDirectory(Path.Combine(copy, "dotnet"));
                File.Copy(Path.Combine(runtimeRoot, host), Path.Combine(copy, "dotnet", host));
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(Path.Combine(copy, "dotnet", host), File.GetUnixFileMode(Path.Combine(runtimeRoot, host)));
                }

                foreach (var part in new[] { "host", "shared" })
                {
                    CopyDirectory(Path.Combine(runtimeRoot, part), Path.Combine(copy, "dotnet", part));
                }

                CopyDirectory(ServerDirectory, Path.Combine(copy, "app"));
                dotnet = Path.Combine(copy, "dotnet", host);
                application = Path.Combine(copy, "app");
            }
            catch
            {
                Directory.Delete(copy, recursive: true);
                throw;
            }
        }

        var start = new ProcessStartInfo(dotnet, [Path.Combine(application, "eventledger.dll"), "serve", "--port", port.ToString(CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        // Settings to try on the server alone (not on the benchmark process): EVENTLEDGER_BENCH_SERVER_ENV="A=1;B=2".
        foreach (var setting in (Environment.GetEnvironmentVariable(ServerEnvironmentVariable) ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var equals = setting.IndexOf('=');
            if (equals <= 0)
            {
                throw new InvalidOperationException($"{ServerEnvironmentVariable}: '{setting}' is not NAME=value.");
            }

            start.Environment[setting[..equals]] = setting[(equals + 1)..];
        }

        if (copy is not null)
        {
            start.Environment["DOTNET_ROOT"] = Path.Combine(copy, "dotnet");
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start eventledger serve.");
        var server = new ServerProcess(process, new Uri($"http://127.0.0.1:{port}/")) { _copy = copy };
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"eventledger serve exited with {process.ExitCode}:\n{server.RecentOutput}");
            }

            try
            {
                using var response = await server.Http.GetAsync("projections", ct);
                if (response.StatusCode == HttpStatusCode.OK) return server;
            }
            catch (HttpRequestException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                await server.DisposeAsync();
                throw new TimeoutException($"eventledger serve did not answer within 120 s:\n{server.RecentOutput}");
            }

            await Task.Delay(250, ct);
        }
    }

    /// <summary>Resets the process's peak resident set (VmHWM) to its current size (Linux <c>/proc/PID/clear_refs</c>).</summary>
    public void ResetPeakMemory()
    {
        try
        {
            File.WriteAllText($"/proc/{Id}/clear_refs", "5");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Peak resident set since the last reset (VmHWM), in bytes.</summary>
    public long PeakMemoryBytes() => Status().Kilobytes("VmHWM:") * 1024;

    /// <summary>Current resident set (VmRSS), in bytes.</summary>
    public long MemoryBytes() => Status().Kilobytes("VmRSS:") * 1024;

    /// <summary>The resident set and its three parts, from one read of <c>/proc/PID/status</c>.</summary>
    public ResidentSet MemorySample() => Status().ResidentSet();

    /// <summary>
    /// Where the server's resident set is now: anonymous (GC heap, native allocations, stacks), file-backed (assemblies and
    /// native libraries, mapped), shared (the JIT's double-mapped code and stubs: W^X), from <c>/proc/PID/status</c>, and
    /// the GC's own view from the runtime meter on <c>/metrics</c> (null where the server does not export it).
    /// </summary>
    public async Task<MemoryBreakdown> MemoryBreakdownAsync(CancellationToken ct)
    {
        Dictionary<string, double>? metrics = null;
        try
        {
            metrics = ParsePrometheus(await Http.GetStringAsync("metrics", ct));
        }
        catch (HttpRequestException)
        {
        }

        double? Sum(string name) => metrics is null ? null
            : metrics.Where(m => m.Key == name || m.Key.StartsWith(name + "{", StringComparison.Ordinal)).Select(m => m.Value).DefaultIfEmpty(double.NaN).Sum() is var v && !double.IsNaN(v) ? v : null;
        var status = Status();
        return new MemoryBreakdown(
            status.ResidentSet(),
            (int)status.Kilobytes("Threads:"),
            Sum("dotnet_gc_last_collection_heap_size_bytes"), Sum("dotnet_gc_last_collection_memory_committed_size_bytes"),
            Sum("dotnet_gc_last_collection_heap_fragmentation_size_bytes"));
    }

    private static Dictionary<string, double> ParsePrometheus(string text)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var parts = line.Split(' ');
            if (parts.Length >= 2 && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value)) values[parts[0]] = value;
        }

        return values;
    }

    /// <summary>One read of <c>/proc/PID/status</c>.</summary>
    private ProcStatus Status() => new(Id, File.ReadAllLines($"/proc/{Id}/status"));

    private readonly record struct ProcStatus(int Pid, string[] Lines)
    {
        public ResidentSet ResidentSet() =>
            new(Kilobytes("VmRSS:") * 1024, Kilobytes("RssAnon:") * 1024, Kilobytes("RssFile:") * 1024, Kilobytes("RssShmem:") * 1024);

        /// <summary>A field's number (kB for the memory fields, a count for Threads).</summary>
        public long Kilobytes(string field) =>
            Lines.FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal)) is { } line
                ? long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture)
                : throw new InvalidOperationException($"/proc/{Pid}/status has no {field}");
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (_tail)
        {
            _tail.AppendLine(line);
            if (_tail.Length > 20_000) _tail.Remove(0, _tail.Length - 20_000);
            foreach (var (fragment, found) in _awaited)
            {
                if (line.Contains(fragment, StringComparison.Ordinal)) found.TrySetResult(line);
            }
        }
    }

    private readonly List<(string Fragment, TaskCompletionSource<string> Found)> _awaited = [];

    /// <summary>The next line the server writes that contains <paramref name="fragment"/>, or null after <paramref name="timeout"/>.</summary>
    public async Task<string?> WaitForOutputAsync(string fragment, TimeSpan timeout, CancellationToken ct)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_tail) _awaited.Add((fragment, found));
        try
        {
            return await found.Task.WaitAsync(timeout, ct);
        }
        catch (TimeoutException)
        {
            return null;
        }
        finally
        {
            lock (_tail) _awaited.RemoveAll(a => a.Found == found);
        }
    }

    /// <summary>
    /// The files whose mapped pages make most of the server's resident set now (<c>/proc/PID/smaps</c>): each file's
    /// resident kB and how much of that other processes map too (shared clean pages count in every process's RSS).
    /// </summary>
    public IReadOnlyList<(string File, long ResidentKb, long SharedKb)> LargestMappedFiles(int count)
    {
        var files = new Dictionary<string, (long Rss, long Shared)>(StringComparer.Ordinal);
        string? current = null;
        foreach (var line in File.ReadLines($"/proc/{Id}/smaps"))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0 && line[..space].Contains('-', StringComparison.Ordinal) && !line.EndsWith(':'))
            {
                var parts = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
                current = parts.Length == 6 && parts[5].StartsWith('/') && !parts[5].StartsWith("/memfd:", StringComparison.Ordinal) ? Path.GetFileName(parts[5]) : null;
                continue;
            }

            if (current is null) continue;
            var field = line.StartsWith("Rss:", StringComparison.Ordinal) ? 0 : line.StartsWith("Shared_Clean:", StringComparison.Ordinal) || line.StartsWith("Shared_Dirty:", StringComparison.Ordinal) ? 1 : -1;
            if (field < 0) continue;
            var kb = long.Parse(line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
            var (rss, shared) = files.GetValueOrDefault(current);
            files[current] = field == 0 ? (rss + kb, shared) : (rss, shared + kb);
        }

        return files.OrderByDescending(f => f.Value.Rss).Take(count).Select(f => (f.Key, f.Value.Rss, f.Value.Shared)).ToList();
    }

    private string? _copy;

    /// <summary>
    /// Where the server's own copy is taken from: this program's output directory, or a published server named by
    /// <c>EVENTLEDGER_BENCH_SERVER</c> (a directory with eventledger.dll, e.g. <c>dotnet publish src/EventLedger.Cli -r linux-x64
    /// -p:PublishReadyToRun=true</c>) to measure a server built another way.
    /// </summary>
    public static string ServerDirectory =>
        Environment.GetEnvironmentVariable("EVENTLEDGER_BENCH_SERVER") is { Length: > 0 } published ? published : AppContext.BaseDirectory;

    /// <summary>
    /// Copies <paramref name="source"/> into <paramref name="target"/> byte for byte (new files, not links: a link would
    /// share the page cache). Native libraries of other platforms (runtimes/&lt;rid&gt;/) are left out.
    /// </summary>
    private static void CopyDirectory(string source, string target)
    {
        var rid = System.Runtime.InteropServices.RuntimeInformation.RuntimeIdentifier;
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(source, file);
            var parts = relative.Split(Path.DirectorySeparatorChar);
            if (parts.Length > 2 && parts[0] == "runtimes" && parts[1] != rid && !rid.StartsWith(parts[1] + "-", StringComparison.Ordinal) && parts[1] != "unix") continue;
            var destination = Path.Combine(target, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(destination, File.GetUnixFileMode(file));
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            // SIGTERM: the server stops its hosted services (subscriptions, rebuilds) and exits.
            using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
        if (_copy is not null)
        {
            try
            {
                Directory.Delete(_copy, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}

/// <summary>A process's resident set and its parts (bytes): anonymous, file-backed, shared (RssAnon, RssFile, RssShmem).</summary>
public readonly record struct ResidentSet(long Rss, long Anonymous, long FileBacked, long Shared);

/// <summary>The server's resident set by kind, its threads, and the GC's figures after its last collection (bytes; null when not exported).</summary>
public sealed record MemoryBreakdown(ResidentSet Resident, int Threads, double? GcHeap, double? GcCommitted, double? GcFragmentation);
