using System.Globalization;
using Microsoft.Extensions.Logging;

namespace EventLedger.EmbeddedStack;

/// <summary>
/// A private, throwaway PostgreSQL directory <c>&lt;repo&gt;/.eventledger/pg-&lt;random&gt;/</c> (git-ignored): the
/// cluster in <c>data/</c>, the unix socket beside it, and an <c>eventledger.owner</c> file naming the .NET process that
/// owns it. Directories whose owner is dead are leftovers of a crashed run: their postmaster (if any) is stopped and the
/// directory deleted before a new one is made.
/// </summary>
internal sealed class PostgresDataDirectory
{
    private const string Prefix = "pg-";
    private const string OwnerFile = "eventledger.owner";
    private static readonly TimeSpan UnownedGrace = TimeSpan.FromMinutes(5);

    private PostgresDataDirectory(string root) => Root = root;

    /// <summary>The instance directory (deleted on stop).</summary>
    public string Root { get; }

    /// <summary>PGDATA.</summary>
    public string Data => Path.Combine(Root, "data");

    public static async Task<PostgresDataDirectory> CreateAsync(string? repositoryRoot, ServerUser user, ILogger logger, CancellationToken cancellationToken)
    {
        var preferred = RepositoryRoot.DataDirectory(repositoryRoot);
        var fallback = RepositoryRoot.DataDirectory(null);
        RemoveStale(preferred, logger);
        if (fallback != preferred)
        {
            RemoveStale(fallback, logger);
        }

        var directory = await TryCreateAsync(preferred, user, cancellationToken);
        if (directory is null)
        {
            // e.g. a checkout under /root, which the postgres user cannot traverse.
            directory = await TryCreateAsync(fallback, user, cancellationToken)
                ?? throw new EmbeddedStackException($"The PostgreSQL user '{user.DisplayName}' can write neither under {preferred} nor under {fallback}.");
            Log.DataDirectoryFallback(logger, user.DisplayName, preferred, fallback);
        }

        return directory;
    }

    private static async Task<PostgresDataDirectory?> TryCreateAsync(string parent, ServerUser user, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(parent))
        {
            // Explicit mode: a restrictive umask must not hide it from the server user.
            Directory.CreateDirectory(parent);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(parent, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                    | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            }
        }

        var root = Path.Combine(parent, Prefix + Guid.NewGuid().ToString("N")[..10]);
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(root);
        }
        else
        {
            Directory.CreateDirectory(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        await File.WriteAllTextAsync(Path.Combine(root, OwnerFile), Environment.ProcessId.ToString(CultureInfo.InvariantCulture), cancellationToken);
        await user.TakeOwnershipAsync(root, cancellationToken);
        if (await user.CanWriteAsync(root, cancellationToken))
        {
            return new PostgresDataDirectory(root);
        }

        Directory.Delete(root, recursive: true);
        return null;
    }

    /// <summary>Deletes the directory. The server must have stopped.</summary>
    public void Delete()
    {
        try
        {
            if (Directory.Exists(Root))
            {
                Directory.Delete(Root, recursive: true);
            }
        }
        catch (IOException)
        {
            // Removed as stale on the next start.
        }
        catch (UnauthorizedAccessException)
        {
            // Removed as stale on the next start.
        }
    }

    private static void RemoveStale(string parent, ILogger logger)
    {
        if (!Directory.Exists(parent))
        {
            return;
        }

        PostgresCluster.RemoveStaleTemporaries(parent);
        foreach (var dir in Directory.GetDirectories(parent, Prefix + "*"))
        {
            if (!IsStale(dir))
            {
                continue;
            }

            Log.StaleDirectory(logger, dir);
            if (PostmasterPid(dir) is { } postmaster && Native.IsAlive(postmaster))
            {
                // Immediate shutdown: the data is throwaway.
                Native.Signal(postmaster, Native.SigQuit);
                for (var i = 0; i < 50 && Native.IsAlive(postmaster); i++)
                {
                    Thread.Sleep(100);
                }

                Native.Signal(postmaster, Native.SigKill);
            }

            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (IOException)
            {
                // Another process is cleaning it up too.
            }
            catch (UnauthorizedAccessException)
            {
                // Not ours to delete (another user's run).
            }
        }
    }

    private static bool IsStale(string dir)
    {
        var ownerFile = Path.Combine(dir, OwnerFile);
        try
        {
            if (File.Exists(ownerFile))
            {
                var owner = int.Parse(File.ReadAllText(ownerFile).Trim(), CultureInfo.InvariantCulture);
                return owner != Environment.ProcessId && !Native.IsAlive(owner);
            }

            return DateTime.UtcNow - Directory.GetLastWriteTimeUtc(dir) > UnownedGrace;
        }
        catch (FormatException)
        {
            return DateTime.UtcNow - Directory.GetLastWriteTimeUtc(dir) > UnownedGrace;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The first line of <c>data/postmaster.pid</c>, if the server left one.</summary>
    private static int? PostmasterPid(string dir)
    {
        var file = Path.Combine(dir, "data", "postmaster.pid");
        try
        {
            return File.Exists(file) && int.TryParse(File.ReadLines(file).FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                ? pid
                : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
