namespace EventLedger.EmbeddedStack;

/// <summary>The embedded stack's local data directory (git-ignored <c>.eventledger/</c> in the checkout), for what other parts keep beside it.</summary>
public static class LocalData
{
    /// <summary><c>&lt;checkout&gt;/.eventledger</c>, or a directory under the system temp dir when no checkout is found.</summary>
    public static string Directory(string? repositoryRoot = null) => RepositoryRoot.DataDirectory(RepositoryRoot.Find(repositoryRoot));
}
