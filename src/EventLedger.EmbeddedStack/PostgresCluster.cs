using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace EventLedger.EmbeddedStack;

/// <summary>
/// Creates the cluster (PGDATA) of a new instance. initdb runs once into a template beside the instances
/// (<c>pgtemplate-&lt;hash of binaries and options&gt;/</c>), published by an atomic rename; each instance then copies it,
/// which takes a fraction of initdb's time and CPU (the JVM of DynamoDB Local starts at the same moment).
/// </summary>
internal static class PostgresCluster
{
    public const string TemplatePrefix = "pgtemplate-";
    public const string Superuser = "postgres";
    private const string TemporarySuffix = ".tmp-";

    public static async Task CreateAsync(string bin, PostgresDataDirectory directory, ServerUser user, ILogger logger, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        var template = TemplatePath(bin, directory, user);
        if (!IsComplete(template))
        {
            await CreateTemplateAsync(bin, template, user, logger, cancellationToken);
        }

        if (IsComplete(template) && await ShortCommand.RunAsync(["cp", "-a", Path.Combine(template, "data"), directory.Data], throwOnFailure: false, cancellationToken))
        {
            Log.ClusterCopied(logger, template, directory.Data, stopwatch.ElapsedMilliseconds);
            return;
        }

        // No usable template (e.g. a concurrent cleanup): initdb straight into the instance.
        if (Directory.Exists(directory.Data))
        {
            Directory.Delete(directory.Data, recursive: true);
        }

        await InitDbAsync(bin, directory.Root, directory.Data, user, logger, cancellationToken);
    }

    /// <summary>Deletes half-made templates of crashed runs.</summary>
    public static void RemoveStaleTemporaries(string parent)
    {
        foreach (var dir in Directory.GetDirectories(parent, TemplatePrefix + "*" + TemporarySuffix + "*"))
        {
            if (DateTime.UtcNow - Directory.GetLastWriteTimeUtc(dir) > TimeSpan.FromMinutes(10))
            {
                try
                {
                    Directory.Delete(dir, recursive: true);
                }
                catch (IOException)
                {
                }
                catch (UnauthorizedAccessException)
                {
                }
            }
        }
    }

    private static async Task CreateTemplateAsync(string bin, string template, ServerUser user, ILogger logger, CancellationToken cancellationToken)
    {
        var temporary = template + TemporarySuffix + Guid.NewGuid().ToString("N")[..8];
        Directory.CreateDirectory(temporary);
        try
        {
            await user.TakeOwnershipAsync(temporary, cancellationToken);
            await InitDbAsync(bin, temporary, Path.Combine(temporary, "data"), user, logger, cancellationToken);
            Directory.Move(temporary, template);
        }
        catch (IOException) when (IsComplete(template))
        {
            // Another process published the template first.
        }
        finally
        {
            if (Directory.Exists(temporary))
            {
                Directory.Delete(temporary, recursive: true);
            }
        }
    }

    private static async Task InitDbAsync(string bin, string workingDirectory, string data, ServerUser user, ILogger logger, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        await ShortCommand.RunAsync([.. user.Prefix, Path.Combine(bin, "initdb"), "-D", data, .. InitDbOptions], throwOnFailure: true, cancellationToken, workingDirectory);
        Log.InitDb(logger, data, user.DisplayName, stopwatch.ElapsedMilliseconds);
    }

    // C locale (portable, fast collation) with UTF-8; trust auth (loopback and a private socket only); no fsync of the
    // fresh cluster: it is throwaway.
    private static readonly string[] InitDbOptions = ["-U", Superuser, "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"];

    private static string TemplatePath(string bin, PostgresDataDirectory directory, ServerUser user)
    {
        var key = string.Join('\n', [bin, user.DisplayName, .. InitDbOptions]);
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..12];
        return Path.Combine(Path.GetDirectoryName(directory.Root)!, TemplatePrefix + hash);
    }

    private static bool IsComplete(string template) => File.Exists(Path.Combine(template, "data", "PG_VERSION"));
}
