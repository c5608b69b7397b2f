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
    public static async Task<ServerProcess> StartAsync(IReadOnlyDictionary<string, string> environment, CancellationToken ct)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "eventledger.dll"), "serve", "--port", port.ToString(CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start eventledger serve.");
        var server = new ServerProcess(process, new Uri($"http://127.0.0.1:{port}/"));
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
    public long PeakMemoryBytes() => StatusKilobytes("VmHWM:") * 1024;

    /// <summary>Current resident set (VmRSS), in bytes.</summary>
    public long MemoryBytes() => StatusKilobytes("VmRSS:") * 1024;

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
        return new MemoryBreakdown(
            StatusKilobytes("VmRSS:") * 1024, StatusKilobytes("RssAnon:") * 1024, StatusKilobytes("RssFile:") * 1024, StatusKilobytes("RssShmem:") * 1024,
            (int)StatusKilobytes("Threads:"),
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

    private long StatusKilobytes(string field)
    {
        var line = File.ReadLines($"/proc/{Id}/status").FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"/proc/{Id}/status has no {field}");
        return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        lock (_tail)
        {
            _tail.AppendLine(line);
            if (_tail.Length > 20_000) _tail.Remove(0, _tail.Length - 20_000);
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
    }
}

/// <summary>The server's resident set by kind (bytes) and the GC's figures after its last collection (bytes; null when not exported).</summary>
public sealed record MemoryBreakdown(long Rss, long Anonymous, long FileBacked, long Shared, int Threads, double? GcHeap, double? GcCommitted, double? GcFragmentation);
