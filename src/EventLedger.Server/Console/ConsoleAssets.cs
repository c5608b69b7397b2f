using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;
using Microsoft.AspNetCore.StaticFiles;

namespace EventLedger.Server.OperatorConsole;

/// <summary>
/// The console's static files (<c>Console/wwwroot</c>), embedded in this assembly as resources named
/// <c>console/{file}</c>, so the server serves them from wherever it runs with no content root and no build step.
/// </summary>
internal sealed class ConsoleAssets
{
    private const string ResourcePrefix = "console/";

    private readonly FrozenDictionary<string, ConsoleAsset> _assets;

    private ConsoleAssets(FrozenDictionary<string, ConsoleAsset> assets) => _assets = assets;

    public static ConsoleAssets Load()
    {
        var assembly = typeof(ConsoleAssets).Assembly;
        var types = new FileExtensionContentTypeProvider();
        var assets = new Dictionary<string, ConsoleAsset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            var file = name[ResourcePrefix.Length..];
            var content = Read(assembly, name);
            var type = types.TryGetContentType(file, out var known) ? known : "application/octet-stream";
            if (type.StartsWith("text/", StringComparison.Ordinal))
            {
                type += "; charset=utf-8";
            }

            assets[file] = new ConsoleAsset(content, type, $"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\"");
        }

        if (!assets.ContainsKey(ConsoleEndpoints.IndexFile))
        {
            throw new InvalidOperationException($"The console's {ConsoleEndpoints.IndexFile} is not embedded in {assembly.GetName().Name}; check the EmbeddedResource items of its project.");
        }

        return new ConsoleAssets(assets.ToFrozenDictionary(StringComparer.Ordinal));
    }

    public IEnumerable<string> Files => _assets.Keys;

    public ConsoleAsset? Find(string file) => _assets.GetValueOrDefault(file);

    private static byte[] Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        return memory.ToArray();
    }
}

/// <summary>One embedded file with its content type and a strong ETag (a hash of its bytes).</summary>
internal sealed record ConsoleAsset(byte[] Content, string ContentType, string ETag);
