using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using EventLedger.EmbeddedStack;
using EventLedger.IntegrationTests.Fixtures;

namespace EventLedger.IntegrationTests.Security;

/// <summary>
/// The real CLI as child processes: <c>eventledger serve</c> refuses an unauthenticated command, accepts a token from
/// <c>eventledger token</c>, and the CLI's operator commands mint their own.
/// </summary>
[Collection(StackCollection.Name)]
public sealed partial class CliSecurityTests(StackFixture stack)
{
    [Fact]
    public async Task Serve_refuses_an_unauthenticated_command_and_accepts_a_token_from_the_token_command()
    {
        var environment = new Dictionary<string, string>
        {
            [EmbeddedStackOptions.DynamoDbEndpointVariable] = stack.Stack.DynamoDbEndpoint!,
            [EmbeddedStackOptions.PostgresVariable] = stack.PostgresConnectionString,
            ["EVENTLEDGER_TABLE_PREFIX"] = StackFixture.NewPrefix("cli"),
        };
        using var serve = Start(environment, "serve", "--port", "0");
        var output = new StringBuilder();
        var listening = new TaskCompletionSource<Uri>(TaskCreationOptions.RunContinuationsAsynchronously);
        serve.OutputDataReceived += (_, e) =>
        {
            lock (output) output.AppendLine(e.Data);
            if (e.Data is not null && ListeningOn().Match(e.Data) is { Success: true } m) listening.TrySetResult(new Uri(m.Groups["url"].Value));
        };
        serve.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        serve.BeginOutputReadLine();
        serve.BeginErrorReadLine();
        try
        {
            var url = await listening.Task.WaitAsync(TimeSpan.FromSeconds(120));
            using var http = new HttpClient { BaseAddress = url };
            const string body = """{"transactionId":"t1","amount":3,"currency":"USD","country":"USA","invoiceDate":"2016-06-06"}""";

            using (var refused = await http.PostAsync("/invoices/CLI-1/transactions", new StringContent(body, Encoding.UTF8, "application/json")))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            }

            var (code, token, _) = await RunAsync(environment, "token", "--scope", "ledger.write", "--scope", "ledger.read", "--subject", "cli-e2e", "--ttl", "10m");
            Assert.Equal(0, code);
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Trim());
            using (var accepted = await http.PostAsync("/invoices/CLI-1/transactions", new StringContent(body, Encoding.UTF8, "application/json")))
            {
                Assert.Equal(HttpStatusCode.Created, accepted.StatusCode);
            }

            var events = await http.GetFromJsonAsync<JsonElement>("/invoices/CLI-1/events");
            Assert.Equal("cli-e2e", events[0].GetProperty("metadata").GetProperty("actor").GetString());

            // A write-and-read token is not an operator's.
            Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync("/projections")).StatusCode);
            var (statusCode, statusOut, statusErr) = await RunAsync(environment, "projections", "status", "--url", url.ToString());
            Assert.True(statusCode == 0, $"projections status exited {statusCode}: {statusOut} {statusErr}");
            Assert.DoesNotContain("401", statusErr, StringComparison.Ordinal);
        }
        finally
        {
            serve.Kill(entireProcessTree: true);
            await serve.WaitForExitAsync();
        }
    }

    [Fact]
    public async Task The_token_command_refuses_an_unknown_scope()
    {
        var (code, _, error) = await RunAsync(new Dictionary<string, string>(), "token", "--scope", "ledger.admin");
        Assert.NotEqual(0, code);
        Assert.Contains("ledger.write, ledger.read, ledger.operate", error, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"listening on (?<url>http://\S+)")]
    private static partial Regex ListeningOn();

    private static Process Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(AppContext.BaseDirectory, "eventledger.dll"), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (key, value) in environment) start.Environment[key] = value;
        return Process.Start(start)!;
    }

    private static async Task<(int Code, string Output, string Error)> RunAsync(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        using var process = Start(environment, args);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        return (process.ExitCode, await output, await error);
    }
}
