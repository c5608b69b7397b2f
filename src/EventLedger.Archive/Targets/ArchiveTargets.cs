using EventLedger.Archive.Configuration;

namespace EventLedger.Archive.Targets;

public static class ArchiveTargets
{
    /// <summary>The target the settings name: a local directory or an S3 bucket.</summary>
    public static IArchiveTarget Create(ArchiveSettings settings, TimeProvider? time = null) =>
        settings.Directory is { } directory ? new LocalDirectoryTarget(directory) : new S3Target(settings, time);
}
