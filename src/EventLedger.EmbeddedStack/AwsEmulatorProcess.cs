using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;

namespace EventLedger.EmbeddedStack;

/// <summary>
/// A local AWS endpoint for SQS, SNS and S3: the pinned npm package <c>fauxqs</c>, in memory, run by the pinned Node 22
/// (<see cref="NodeRuntime"/>). One endpoint serves all three services (SQS speaks JSON 1.0, SNS the Query protocol, S3
/// REST), as LocalStack does, so clients set it as their ServiceURL. It listens on a port the OS picks (port 0) and
/// prints it, so there is no port race; like DynamoDB Local it binds all interfaces (fauxqs has no bind-address option).
/// </summary>
internal sealed partial class AwsEmulatorProcess : InMemoryServerProcess
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

    private AwsEmulatorProcess(ChildProcess process, ILogger logger) : base(process, logger)
    {
    }

    public static async Task<AwsEmulatorProcess> StartAsync(string? repositoryRoot, TimeSpan timeout, ILogger logger, CancellationToken cancellationToken)
    {
        var root = Locate(repositoryRoot);
        var node = NodeRuntime.Find(root);
        var stopwatch = Stopwatch.StartNew();
        // The working directory is the checkout, so the launcher's import('fauxqs') resolves node_modules/fauxqs.
        var child = ChildProcess.Start(Component, node, ["--disable-warning=ExperimentalWarning", "--input-type=module", "-e", Launcher], logger, workingDirectory: root);
        var started = new AwsEmulatorProcess(child, logger);
        return await started.WaitUntilReadyAsync(started.AnswersAsync, "answer", stopwatch, timeout, cancellationToken)
            ? started
            : throw new EmbeddedStackException(
                $"{Component} exited with code {child.ExitCode} before it answered. Its output:{Environment.NewLine}{child.RecentOutput}");
    }

    /// <summary>True once the emulator printed its port and answers there.</summary>
    private async Task<bool> AnswersAsync(CancellationToken cancellationToken)
    {
        if (ListeningPattern().Match(Process.RecentOutput) is not { Success: true } match)
        {
            return false;
        }

        Port = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return await HttpProbe.AnswersOkAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(Endpoint + "/health")), cancellationToken);
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

    [GeneratedRegex(ListeningLine + @" (\d+)")]
    private static partial Regex ListeningPattern();
}
