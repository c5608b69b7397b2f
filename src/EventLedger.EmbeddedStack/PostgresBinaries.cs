using System.Diagnostics;
using System.Globalization;

namespace EventLedger.EmbeddedStack;

/// <summary>Finds the directory with <c>initdb</c> and <c>postgres</c>: <c>pg_config --bindir</c>, the distributions' usual places, then PATH.</summary>
internal static class PostgresBinaries
{
    public static string FindDirectory()
    {
        foreach (var candidate in Candidates())
        {
            if (File.Exists(Path.Combine(candidate, "initdb")) && File.Exists(Path.Combine(candidate, "postgres")))
            {
                return candidate;
            }
        }

        throw new EmbeddedStackException(
            "PostgreSQL server binaries (initdb, postgres) were not found (tried pg_config --bindir, /usr/lib/postgresql/*/bin, " +
            "/usr/pgsql-*/bin, /usr/local/pgsql/bin, PATH) and no Docker daemon answers. " +
            $"{Prerequisites.RunInstall(null)}, or point EventLedger at a running server with " +
            $"{EmbeddedStackOptions.PostgresVariable}=\"Host=127.0.0.1;Port=5432;Username=...;Password=...;Database=eventledger\" " +
            "(see docker-compose.yml).");
    }

    private static IEnumerable<string> Candidates()
    {
        if (BinDirFromPgConfig() is { } fromPgConfig)
        {
            yield return fromPgConfig;
        }

        foreach (var pattern in new[] { ("/usr/lib/postgresql", "*"), ("/usr", "pgsql-*") })
        {
            if (!Directory.Exists(pattern.Item1))
            {
                continue;
            }

            // Newest major version first.
            foreach (var dir in Directory.GetDirectories(pattern.Item1, pattern.Item2).OrderByDescending(VersionOf))
            {
                yield return Path.Combine(dir, "bin");
            }
        }

        yield return "/usr/local/pgsql/bin";
        if (Executables.Find("initdb") is { } initdb)
        {
            yield return Path.GetDirectoryName(initdb)!;
        }
    }

    private static double VersionOf(string directory)
    {
        var name = Path.GetFileName(directory).Replace("pgsql-", "", StringComparison.Ordinal);
        return double.TryParse(name, NumberStyles.Float, CultureInfo.InvariantCulture, out var version) ? version : 0;
    }

    private static string? BinDirFromPgConfig()
    {
        if (Executables.Find("pg_config") is not { } pgConfig)
        {
            return null;
        }

        try
        {
            var start = new ProcessStartInfo(pgConfig, "--bindir") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit(5000);
            return process.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
