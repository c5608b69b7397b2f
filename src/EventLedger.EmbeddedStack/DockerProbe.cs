using System.Net.Sockets;

namespace EventLedger.EmbeddedStack;

/// <summary>Asks, with a short timeout, whether a Docker daemon answers <c>/_ping</c> (DOCKER_HOST, else the usual sockets).</summary>
internal static class DockerProbe
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1.5);

    /// <returns>Null when Docker answers, else why not.</returns>
    public static async Task<string?> WhyNotAvailableAsync(CancellationToken cancellationToken)
    {
        var host = Environment.GetEnvironmentVariable("DOCKER_HOST");
        if (!string.IsNullOrEmpty(host) && host.StartsWith("tcp://", StringComparison.OrdinalIgnoreCase))
        {
            return await PingAsync(new HttpClient { Timeout = Timeout }, new Uri($"http://{host["tcp://".Length..]}/_ping"), host, cancellationToken);
        }

        var sockets = !string.IsNullOrEmpty(host) && host.StartsWith("unix://", StringComparison.OrdinalIgnoreCase)
            ? [host["unix://".Length..]]
            : new[] { "/var/run/docker.sock", Path.Combine(Environment.GetEnvironmentVariable("XDG_RUNTIME_DIR") ?? "/nonexistent", "docker.sock") };
        var socket = sockets.FirstOrDefault(File.Exists);
        if (socket is null)
        {
            return $"no socket at {string.Join(" or ", sockets)}";
        }

        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (_, ct) =>
            {
                var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
                try
                {
                    await s.ConnectAsync(new UnixDomainSocketEndPoint(socket), ct);
                    return new NetworkStream(s, ownsSocket: true);
                }
                catch
                {
                    s.Dispose();
                    throw;
                }
            },
        };
        return await PingAsync(new HttpClient(handler) { Timeout = Timeout }, new Uri("http://docker/_ping"), socket, cancellationToken);
    }

    private static async Task<string?> PingAsync(HttpClient client, Uri uri, string where, CancellationToken cancellationToken)
    {
        using (client)
        {
            try
            {
                using var response = await client.GetAsync(uri, cancellationToken);
                return response.IsSuccessStatusCode ? null : $"{where} answered {(int)response.StatusCode}";
            }
            catch (HttpRequestException e)
            {
                return $"{where}: {e.Message}";
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return $"{where} did not answer within {Timeout.TotalSeconds} s";
            }
        }
    }
}
