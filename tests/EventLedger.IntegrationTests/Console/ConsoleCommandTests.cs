using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using EventLedger.Cli.Commands;

namespace EventLedger.IntegrationTests.OperatorConsole;

/// <summary><c>eventledger console</c> where no server answers (the signed-in link is tested in <see cref="ConsoleBrowserTests"/>).</summary>
public sealed class ConsoleCommandTests
{
    [Fact]
    public async Task Without_a_server_it_prints_no_link_and_says_how_to_start_one()
    {
        // A port that was free a moment ago and has no listener now.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();

        var output = new StringWriter();
        var errors = new StringWriter();
        var exit = await new RootCommand { ConsoleCommand.Create() }
            .Parse(["console", "--url", $"http://127.0.0.1:{port}", "--no-open"])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = errors });

        Assert.Equal(1, exit);
        Assert.Equal("", output.ToString());
        Assert.Contains($"no EventLedger server answers at http://127.0.0.1:{port}/", errors.ToString(), StringComparison.Ordinal);
        Assert.Contains("./eventledger serve", errors.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0h")]
    [InlineData("31d")]
    [InlineData("soon")]
    public async Task A_bad_ttl_is_refused_before_anything_is_minted(string ttl)
    {
        var errors = new StringWriter();
        var exit = await new RootCommand { ConsoleCommand.Create() }
            .Parse(["console", "--ttl", ttl, "--no-open"])
            .InvokeAsync(new InvocationConfiguration { Output = TextWriter.Null, Error = errors });

        Assert.NotEqual(0, exit);
        Assert.Contains($"--ttl must be a positive number with s, m, h or d, at most 30d (e.g. 8h), not '{ttl}'", errors.ToString(), StringComparison.Ordinal);
    }
}
