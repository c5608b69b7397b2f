using System.Diagnostics;

namespace EventLedger.EmbeddedStack;

/// <summary>Runs a short-lived helper command (initdb, chown, test) to completion and reports its output on failure.</summary>
internal static class ShortCommand
{
    public static async Task<bool> RunAsync(IReadOnlyList<string> command, bool throwOnFailure, CancellationToken cancellationToken, string? workingDirectory = null)
    {
        var start = new ProcessStartInfo(command[0])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory ?? "/",
        };
        foreach (var arg in command.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        if (process.ExitCode != 0 && throwOnFailure)
        {
            throw new EmbeddedStackException(
                $"`{string.Join(' ', command)}` failed with exit code {process.ExitCode}:{Environment.NewLine}{await stdout}{await stderr}");
        }

        return process.ExitCode == 0;
    }
}
