namespace EventLedger.EmbeddedStack;

/// <summary>
/// PostgreSQL refuses to run as root. When this process is root, initdb and the server run as the unprivileged
/// <c>postgres</c> OS user through <c>setpriv</c> (which execs in place, so the process we hold is the server);
/// otherwise they run as the current user.
/// </summary>
internal sealed class ServerUser
{
    private ServerUser(string? name, IReadOnlyList<string> prefix)
    {
        Name = name;
        Prefix = prefix;
    }

    /// <summary>The OS user to switch to, or null for the current user.</summary>
    public string? Name { get; }

    /// <summary>Arguments that run a program as <see cref="Name"/>; empty for the current user.</summary>
    public IReadOnlyList<string> Prefix { get; }

    public string DisplayName => Name ?? Environment.UserName;

    public static ServerUser Resolve()
    {
        if (!Environment.IsPrivilegedProcess)
        {
            return new ServerUser(null, []);
        }

        const string user = "postgres";
        if (!File.ReadLines("/etc/passwd").Any(l => l.StartsWith(user + ":", StringComparison.Ordinal)))
        {
            throw new EmbeddedStackException(
                "PostgreSQL refuses to run as root, and there is no 'postgres' OS user to run it as. Create one " +
                "(useradd --system postgres; Debian's postgresql package does), run as a normal user, or set " +
                $"{EmbeddedStackOptions.PostgresVariable} to a running server.");
        }

        var setpriv = Executables.Find("setpriv") ?? throw new EmbeddedStackException(
            "PostgreSQL refuses to run as root, and 'setpriv' (util-linux) is missing to switch to the 'postgres' user. Install util-linux, " +
            $"run as a normal user, or set {EmbeddedStackOptions.PostgresVariable} to a running server.");
        return new ServerUser(user, [setpriv, $"--reuid={user}", $"--regid={user}", "--init-groups", "--"]);
    }

    /// <summary>Makes <paramref name="directory"/> (recursively) owned by the server user.</summary>
    public Task TakeOwnershipAsync(string directory, CancellationToken cancellationToken) =>
        Name is null ? Task.CompletedTask : ShortCommand.RunAsync(["chown", "-R", $"{Name}:", directory], throwOnFailure: true, cancellationToken);

    /// <summary>True when the server user can create files in <paramref name="directory"/> (every parent traversable).</summary>
    public async Task<bool> CanWriteAsync(string directory, CancellationToken cancellationToken) =>
        Name is null || await ShortCommand.RunAsync([.. Prefix, "test", "-w", directory, "-a", "-x", directory], throwOnFailure: false, cancellationToken);
}
