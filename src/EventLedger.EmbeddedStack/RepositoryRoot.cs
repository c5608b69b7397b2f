namespace EventLedger.EmbeddedStack;

/// <summary>Finds the EventLedger checkout: the nearest directory holding <c>EventLedger.sln</c>.</summary>
internal static class RepositoryRoot
{
    public const string SolutionFile = "EventLedger.sln";

    /// <summary>The configured root, else the first directory with the solution file above the app's base directory or the current directory.</summary>
    public static string? Find(string? configured)
    {
        if (!string.IsNullOrEmpty(configured))
        {
            return Path.GetFullPath(configured);
        }

        return WalkUp(AppContext.BaseDirectory) ?? WalkUp(Directory.GetCurrentDirectory());
    }

    private static string? WalkUp(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, SolutionFile)))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    /// <summary><c>&lt;root&gt;/.eventledger</c> (git-ignored) for local data, else a directory under the system temp dir.</summary>
    public static string DataDirectory(string? root) =>
        root is null ? Path.Combine(Path.GetTempPath(), "eventledger") : Path.Combine(root, ".eventledger");
}
