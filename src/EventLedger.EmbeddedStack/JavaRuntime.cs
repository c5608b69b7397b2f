using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace EventLedger.EmbeddedStack;

/// <summary>Finds a Java 17+ runtime: <c>$JAVA_HOME/bin/java</c>, else <c>java</c> on PATH.</summary>
internal static partial class JavaRuntime
{
    public const int MinimumMajorVersion = 17;

    public static string Find()
    {
        var javaHome = Environment.GetEnvironmentVariable("JAVA_HOME");
        var java = !string.IsNullOrEmpty(javaHome) && File.Exists(Path.Combine(javaHome, "bin", "java"))
            ? Path.Combine(javaHome, "bin", "java")
            : Executables.Find("java");
        if (java is null)
        {
            throw new EmbeddedStackException(
                $"DynamoDB Local needs Java {MinimumMajorVersion}+, and no 'java' was found (JAVA_HOME or PATH). " +
                $"{Prerequisites.RunInstall(null)}, or point EventLedger at a running DynamoDB with " +
                $"{EmbeddedStackOptions.DynamoDbEndpointVariable}=http://127.0.0.1:8000 (see docker-compose.yml).");
        }

        var major = MajorVersion(java);
        if (major is { } m && m < MinimumMajorVersion)
        {
            throw new EmbeddedStackException(
                $"DynamoDB Local needs Java {MinimumMajorVersion}+, but {java} is Java {m}. {Prerequisites.RunInstall(null)}, " +
                $"or put a Java {MinimumMajorVersion}+ first on PATH or in JAVA_HOME.");
        }

        return java;
    }

    /// <summary>Reads <c>JAVA_VERSION</c> from the JDK's <c>release</c> file (no JVM start), else asks <c>java -version</c>.</summary>
    private static int? MajorVersion(string java)
    {
        var resolved = new FileInfo(java).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? java;
        var release = Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(resolved)!)!, "release");
        if (File.Exists(release))
        {
            foreach (var line in File.ReadLines(release))
            {
                if (line.StartsWith("JAVA_VERSION=", StringComparison.Ordinal))
                {
                    return Parse(line["JAVA_VERSION=".Length..].Trim('"'));
                }
            }
        }

        try
        {
            var start = new ProcessStartInfo(java, "-version") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            using var process = Process.Start(start)!;
            var output = process.StandardError.ReadToEnd() + process.StandardOutput.ReadToEnd();
            process.WaitForExit(10_000);
            var match = VersionPattern().Match(output);
            return match.Success ? Parse(match.Groups[1].Value) : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// <summary>"1.8.0_392" is 8; "17.0.15" is 17; "21" is 21.</summary>
    internal static int? Parse(string version)
    {
        var parts = version.Split('.', '_', '-', '+');
        if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var first))
        {
            return null;
        }

        return first == 1 && parts.Length > 1 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var second) ? second : first;
    }

    [GeneratedRegex("version \"([^\"]+)\"")]
    private static partial Regex VersionPattern();
}
