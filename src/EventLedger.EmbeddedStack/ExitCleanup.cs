using System.Runtime.InteropServices;

namespace EventLedger.EmbeddedStack;

/// <summary>
/// Stops started servers when this process ends without disposing the stack: on <see cref="AppDomain.ProcessExit"/>
/// (Main returned, Environment.Exit) and on SIGINT/SIGTERM/SIGQUIT/SIGHUP that nobody else cancelled (the runtime then
/// terminates the process without raising ProcessExit). A handler that cancels the signal — the Generic Host does, to
/// shut down gracefully — keeps the servers running until ProcessExit, so the host can still flush to them. Handlers run
/// last-registered first, so a stack started before the host is built sees the host's decision. SIGKILL and crashes are
/// covered by <see cref="OrphanWatchdog"/>.
/// </summary>
internal static class ExitCleanup
{
    private static readonly Lock Gate = new();
    private static readonly Dictionary<long, Action<string>> Actions = [];
    private static long _next;
    private static List<PosixSignalRegistration>? _signals;

    /// <summary>Registers a synchronous stop action; dispose the result once stopped normally.</summary>
    public static IDisposable Register(Action<string> stopNow)
    {
        lock (Gate)
        {
            EnsureHooked();
            var id = ++_next;
            Actions[id] = stopNow;
            return new Registration(id);
        }
    }

    private static void EnsureHooked()
    {
        if (_signals is not null)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => RunAll("process exit");
        _signals = [];
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGQUIT, PosixSignal.SIGHUP })
        {
            _signals.Add(PosixSignalRegistration.Create(signal, context =>
            {
                if (!context.Cancel)
                {
                    RunAll(context.Signal.ToString());
                }
            }));
        }
    }

    private static void RunAll(string reason)
    {
        Action<string>[] actions;
        lock (Gate)
        {
            actions = [.. Actions.Values];
            Actions.Clear();
        }

        foreach (var action in actions)
        {
            try
            {
                action(reason);
            }
#pragma warning disable CA1031 // Exiting: one failed stop must not keep the others from running.
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }

    private sealed class Registration(long id) : IDisposable
    {
        public void Dispose()
        {
            lock (Gate)
            {
                Actions.Remove(id);
            }
        }
    }
}
