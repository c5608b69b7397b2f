using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;

namespace EventLedger.EmbeddedStack;

/// <summary>Loopback port helpers. A port picked here can be taken by someone else before it is used: callers retry.</summary>
internal static class FreePort
{
    private const int MaxAttempts = 3;

    /// <summary>A port free on all interfaces (DynamoDB Local binds 0.0.0.0, so a loopback-only check is not enough).</summary>
    public static int Pick()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Any, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>
    /// Starts a server on a picked port: <paramref name="startOn"/> returns the server once it answers, or null (its process
    /// stopped) when it exited first. A server that exited because someone took the port between the pick and its bind is
    /// started again on another port (at most <see cref="MaxAttempts"/> times); any other early exit is reported with its output.
    /// </summary>
    /// <param name="answered">What the server did not do before it exited, e.g. "answered".</param>
    public static async Task<TServer> StartServerAsync<TServer>(
        string component, string answered, ILogger logger, Func<int, Task<(TServer? Server, ChildProcess Process)>> startOn)
        where TServer : class
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = Pick();
            var (server, child) = await startOn(port);
            if (server is not null)
            {
                return server;
            }

            if (attempt < MaxAttempts && (child.OutputContains("Address already in use") || child.OutputContains("BindException")))
            {
                Log.PortRace(logger, component, port, attempt + 1);
                continue;
            }

            throw new EmbeddedStackException(
                $"{component} exited with code {child.ExitCode} before it {answered} on port {port}. Its output:{Environment.NewLine}{child.RecentOutput}");
        }
    }

    /// <summary>True when something accepts TCP connections on 127.0.0.1:<paramref name="port"/> within <paramref name="timeout"/>.</summary>
    public static async Task<bool> IsListeningAsync(int port, TimeSpan timeout)
    {
        using var client = new TcpClient();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, deadline.Token);
            return client.Connected;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
