using System.Diagnostics;

namespace EventLedger.IntegrationTests.Fixtures;

/// <summary>
/// The test command sets up what the local stack needs, as <c>./eventledger demo</c> and <c>.ci/run</c> do, with the
/// same script: <c>scripts/prerequisites.sh --install</c> installs what is missing (apt-get as root or with passwordless
/// sudo, never asking: there is no terminal under <c>dotnet test</c>) and runs <c>npm ci</c> when node_modules is
/// missing or stale. Where it may not install, the tests stop with its message, which names the one command to run.
/// With everything present it only looks (a fraction of a second).
/// </summary>
internal static class Prerequisites
{
    // apt-get on a fresh machine downloads a JRE and PostgreSQL: minutes, not seconds.
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(20);

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string Script => Path.Combine(RepositoryRoot, "scripts", "prerequisites.sh");

    public static async Task EnsureAsync()
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Script);
        start.ArgumentList.Add("--install");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start bash for scripts/prerequisites.sh.");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(InstallTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"scripts/prerequisites.sh --install did not finish within {InstallTimeout.TotalMinutes} minutes:\n{await errors}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"The local stack's prerequisites are missing and this test run may not install them (exit {process.ExitCode}):\n{await errors}{await output}");
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "EventLedger.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No EventLedger.sln above {AppContext.BaseDirectory}.");
    }
}
