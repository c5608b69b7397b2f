using EventLedger.EmbeddedStack;

namespace EventLedger.Archive.Configuration;

/// <summary>
/// The embedded stack's archive: a local directory per run under <c>.eventledger/archive/</c>, because the embedded DynamoDB
/// Local keeps its event store in memory, so each run is a new event store and its archive starts empty. <c>LATEST</c> names
/// the newest run's directory, which <c>archive query</c> reads when no archive is configured (after <c>demo</c> has exited).
/// </summary>
public static class EmbeddedArchive
{
    private const string Latest = "LATEST";

    public static string Root(string? repositoryRoot = null) => Path.Combine(LocalData.Directory(repositoryRoot), "archive");

    /// <summary>A new, empty directory for this run's archive, recorded as the latest.</summary>
    public static string NewRun(string tablePrefix, string? repositoryRoot = null)
    {
        var root = Root(repositoryRoot);
        var name = $"{DateTime.UtcNow:yyyyMMdd-HHmmss}-{tablePrefix.TrimEnd('-')}";
        var directory = Path.Combine(root, name);
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(root, $"{Latest}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(temporary, name);
        File.Move(temporary, Path.Combine(root, Latest), overwrite: true);
        return directory;
    }

    /// <summary>The latest run's directory, or null when there has been none.</summary>
    public static string? LatestRun(string? repositoryRoot = null)
    {
        var pointer = Path.Combine(Root(repositoryRoot), Latest);
        if (!File.Exists(pointer))
        {
            return null;
        }

        var directory = Path.Combine(Root(repositoryRoot), File.ReadAllText(pointer).Trim());
        return Directory.Exists(directory) ? directory : null;
    }
}
