namespace EventLedger.EmbeddedStack;

/// <summary>
/// The one command that sets up what the local stack needs (scripts/prerequisites.sh, shared with ./eventledger,
/// .ci/run and the test fixture), for the errors that find something missing.
/// </summary>
internal static class Prerequisites
{
    /// <summary>"Run ... (what it does)", with the script's full path when the checkout is known.</summary>
    public static string RunInstall(string? repositoryRoot) =>
        $"Run `{(repositoryRoot is null ? "scripts/prerequisites.sh" : Path.Combine(repositoryRoot, "scripts", "prerequisites.sh"))} --install`" +
        (repositoryRoot is null ? " in the EventLedger checkout" : "") +
        " (it installs what is missing of Java 17, Node with npm and the PostgreSQL server with apt-get, as root or through sudo, then runs npm ci)";
}
