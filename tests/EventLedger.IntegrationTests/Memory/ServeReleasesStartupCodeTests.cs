using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using EventLedger.Api.Security;
using EventLedger.EmbeddedStack;
using EventLedger.IntegrationTests.Fixtures;

namespace EventLedger.IntegrationTests.Memory;

/// <summary>
/// <c>eventledger serve</c> as an operator runs it pages out its start-up code once start-up is over (ADR 0017): it logs
/// the release with less file-backed memory resident after it than before, and what it paged out still runs.
/// </summary>
[Collection(StackCollection.Name)]
public sealed partial class ServeReleasesStartupCodeTests(StackFixture stack)
{
    [Fact]
    public async Task The_server_pages_out_its_start_up_code_and_keeps_serving()
    {
        var port = FreePort.Pick();
        await using var host = HostProcess.Start(stack, StackFixture.NewPrefix("release"),
            new Dictionary<string, string> { ["Memory__StartupCodeReleaseDelay"] = "00:00:01" }, port);

        Match? release = null;
        await Probe.UntilAsync(() => (release = ReleaseLine().Match(host.RecentOutput)).Success,
            "the server to log its start-up code release", TimeSpan.FromSeconds(120), () => host.RecentOutput);

        var mappings = int.Parse(release!.Groups["mappings"].Value, CultureInfo.InvariantCulture);
        var before = double.Parse(release.Groups["before"].Value, CultureInfo.InvariantCulture);
        var after = double.Parse(release.Groups["after"].Value, CultureInfo.InvariantCulture);
        Assert.True(mappings > 10, release.Value);
        Assert.Equal("0", release.Groups["refused"].Value);
        Assert.True(after < before, release.Value);

        // The code paged out is read back on use: the server still answers, through Kestrel, the auth handler and the exporter.
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
        http.DefaultRequestHeaders.Authorization = LocalTokenIssuer.FromEnvironment()!.Bearer("release-test", [LedgerScopes.Operate], TimeSpan.FromHours(1));
        using var metrics = await http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Contains("dotnet_gc_", await metrics.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"Start-up over: paged out (?<mappings>\d+) file mappings \((?<refused>\d+) refused\); file-backed resident memory (?<before>[\d.]+) MB -> (?<after>[\d.]+) MB")]
    private static partial Regex ReleaseLine();
}
