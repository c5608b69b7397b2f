using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace EventLedger.EmbeddedStack;

/// <summary>
/// A local AWS endpoint for SQS, SNS and S3: the pinned npm package <c>fauxqs</c>, in memory, run by the pinned Node 22
/// (<see cref="NodeRuntime"/>). One endpoint serves all three services (SQS speaks JSON 1.0, SNS the Query protocol, S3
/// REST), as LocalStack does, so clients set it as their ServiceURL. It listens on a port the OS picks (port 0) and
/// prints it, so there is no port race; like DynamoDB Local it binds all interfaces (fauxqs has no bind-address option).
/// </summary>
internal sealed partial class AwsEmulatorProcess : IAsyncDisposable
{
    public const string Component = "AWS emulator (fauxqs)";
    private const string PackageDirectory = "node_modules/fauxqs";
    private const string ListeningLine = "eventledger-fauxqs-listening";

    // Request logging off: fauxqs logs every request as JSON, which would cost more than the request itself.
    private const string Launcher = $$"""
        const { startFauxqs } = await import('fauxqs');
        const server = await startFauxqs({ port: 0, logger: false });
        console.log(`{{ListeningLine}} ${server.port}`);
        """;

    private static readonly HttpClient Probe = new() { Timeout = TimeSpan.FromSeconds(2) };

    private readonly ChildProcess _process;
    private readonly IDisposable _exitRegistration;
    private readonly ILogger _logger;

    private AwsEmulatorProcess(ChildProcess process, ILogger logger)
    {
        _process = process;
        _logger = logger;
        // In memory, nothing to save: on exit, kill at once.
        _exitRegistration = ExitCleanup.Register(_ => _process.Kill());
    }

    public int Port { get; private set; }
    public int ProcessId => _process.Id;
    public string Endpoint => $"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    public static async Task<AwsEmulatorProcess> StartAsync(string? repositoryRoot, TimeSpan timeout, ILogger logger, CancellationToken cancellationToken)
    {
        var root = Locate(repositoryRoot);
        var node = NodeRuntime.Find(root);
        var stopwatch = Stopwatch.StartNew();
        // The working directory is the checkout, so the launcher's import('fauxqs') resolves node_modules/fauxqs.
        var child = ChildProcess.Start(Component, node, ["--disable-warning=ExperimentalWarning", "--input-type=module", "-e", Launcher], logger, workingDirectory: root);
        var started = new AwsEmulatorProcess(child, logger);
        try
        {
            child.GuardAgainstOrphaning("KILL", deleteDirectory: null);
            started.Port = await WaitUntilReadyAsync(child, stopwatch, timeout, cancellationToken);
            Log.Ready(logger, Component, started.Endpoint, stopwatch.ElapsedMilliseconds);
            return started;
        }
        catch
        {
            await started.DisposeAsync();
            throw;
        }
    }

    private static async Task<int> WaitUntilReadyAsync(ChildProcess child, Stopwatch stopwatch, TimeSpan timeout, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (ListeningPattern().Match(child.RecentOutput) is { Success: true } match)
            {
                var port = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
                if (await AnswersAsync(port, cancellationToken))
                {
                    return port;
                }
            }

            if (child.HasExited)
            {
                throw new EmbeddedStackException(
                    $"{Component} exited with code {child.ExitCode} before it answered. Its output:{Environment.NewLine}{child.RecentOutput}");
            }

            if (stopwatch.Elapsed > timeout)
            {
                throw new EmbeddedStackException(
                    $"{Component} did not answer within {timeout.TotalSeconds:0} s. Its output:{Environment.NewLine}{child.RecentOutput}");
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    private static async Task<bool> AnswersAsync(int port, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await Probe.GetAsync(new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/health"), cancellationToken);
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

    /// <summary>The checkout, checked to hold the installed package.</summary>
    internal static string Locate(string? repositoryRoot)
    {
        if (repositoryRoot is null)
        {
            throw new EmbeddedStackException(
                $"Cannot find the EventLedger checkout (a directory with {RepositoryRoot.SolutionFile}) above {AppContext.BaseDirectory}, " +
                $"so the AWS emulator ({PackageDirectory}) cannot be located. Set {nameof(EmbeddedStackOptions.RepositoryRoot)}, " +
                $"or point EventLedger at a running SQS/SNS endpoint with {EmbeddedStackOptions.AwsEndpointVariable}=http://127.0.0.1:4566.");
        }

        return File.Exists(Path.Combine(repositoryRoot, PackageDirectory, "package.json"))
            ? repositoryRoot
            : throw new EmbeddedStackException(
                $"The AWS emulator is not installed: no {PackageDirectory} under {repositoryRoot}. Run `npm ci` in {repositoryRoot} " +
                $"(it installs the pinned fauxqs package and Node 22), or point EventLedger at a running SQS/SNS endpoint with " +
                $"{EmbeddedStackOptions.AwsEndpointVariable}=http://127.0.0.1:4566 (or '{EmbeddedStackOptions.RealAws}' for AWS).");
    }

    public async ValueTask DisposeAsync()
    {
        var stopwatch = Stopwatch.StartNew();
        var wasRunning = !_process.HasExited;
        await _process.StopAsync(Native.SigTerm, TimeSpan.FromSeconds(5));
        _exitRegistration.Dispose();
        _process.Dispose();
        if (wasRunning)
        {
            Log.Stopped(_logger, Component, stopwatch.ElapsedMilliseconds);
        }
    }

    [GeneratedRegex(ListeningLine + @" (\d+)")]
    private static partial Regex ListeningPattern();
}
