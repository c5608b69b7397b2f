using System.Net;
using System.Net.Sockets;

namespace EventLedger.EmbeddedStack;

/// <summary>Loopback port helpers. A port picked here can be taken by someone else before it is used: callers retry.</summary>
internal static class FreePort
{
    /// <summary>A port free on all interfaces (DynamoDB Local binds 0.0.0.0, so a loopback-only check is not enough).</summary>
    public static int Pick()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Any, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
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
