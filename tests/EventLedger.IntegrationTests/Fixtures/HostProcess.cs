using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using EventLedger.EmbeddedStack;

namespace EventLedger.IntegrationTests.Fixtures;

/// <summary>
/// The real thing: <c>eventledger serve --role host</c> as a child process on the shared stack, configured through the
/// environment as an operator would (its table prefix, 3 s leases and batches of 20, plus what the test adds), for tests
/// that kill a host with SIGKILL mid-work and start another. Disposing kills it too.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private HostProcess(Process process) => _process = process;

    /// <param name="prefix">The table prefix (<c>EVENTLEDGER_TABLE_PREFIX</c>).</param>
    /// <param name="settings">More configuration, as environment variables (<c>Section__Key</c>).</param>
    /// <param name="port">The HTTP port; 0 for one the OS picks.</param>
    public static HostProcess Start(StackFixture stack, string prefix, IReadOnlyDictionary<string, string>? settings = null, int port = 0)
    {
        var start = new ProcessStartInfo("dotnet",
            [Path.Combine(AppContext.BaseDirectory, "eventledger.dll"), "serve", "--role", "host", "--port", port.ToString(CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment[EmbeddedStackOptions.DynamoDbEndpointVariable] = stack.Stack.DynamoDbEndpoint;
        start.Environment[EmbeddedStackOptions.PostgresVariable] = stack.PostgresConnectionString;
        start.Environment["EVENTLEDGER_TABLE_PREFIX"] = prefix;
        start.Environment["Projections__LeaseDuration"] = "00:00:03";
        start.Environment["Projections__BatchSize"] = "20";
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var host = new HostProcess(Process.Start(start)!);
        host._process.OutputDataReceived += (_, e) => host.Keep(e.Data);
        host._process.ErrorDataReceived += (_, e) => host.Keep(e.Data);
        host._process.BeginOutputReadLine();
        host._process.BeginErrorReadLine();
        return host;
    }

    /// <summary>The last 40 lines the host logged, for the failure message of a probe.</summary>
    public string RecentOutput => string.Join("\n", _output);

    /// <summary>SIGKILL to the host's process tree, as a crash would end it, and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        _output.Enqueue(line);
        while (_output.Count > 40 && _output.TryDequeue(out _))
        {
        }
    }
}
