using System.Globalization;
using System.Runtime.CompilerServices;

namespace EventLedger.Archive.Targets;

/// <summary>
/// The archive as files under one directory, for a single machine (and the embedded stack). A write goes to a temporary file
/// that is flushed to disk and renamed over the key, so it is atomic. Retention here is only a read-only file mode: a local
/// directory gives no write-once guarantee, which is what S3 Object Lock is for.
/// </summary>
internal sealed class LocalDirectoryTarget(string directory) : IArchiveTarget
{
    private const UnixFileMode ReadOnly = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    public string Location => directory;

    public string? LocalRoot => directory;

    public Task EnsureReadyAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        return Task.CompletedTask;
    }

    public async Task PutAsync(string key, byte[] content, bool retain, CancellationToken cancellationToken)
    {
        var path = PathOf(key);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        try
        {
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, FileOptions.Asynchronous))
            {
                await file.WriteAsync(content, cancellationToken);
                file.Flush(flushToDisk: true);
            }

            if (retain && !OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, ReadOnly);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    public async Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            return await File.ReadAllBytesAsync(PathOf(key), cancellationToken);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public Task<bool> DownloadAsync(string key, string path, CancellationToken cancellationToken)
    {
        var source = PathOf(key);
        if (!File.Exists(source))
        {
            return Task.FromResult(false);
        }

        File.Copy(source, path, overwrite: true);
        return Task.FromResult(true);
    }

    public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken) => Task.FromResult(File.Exists(PathOf(key)));

    public async IAsyncEnumerable<ArchiveObjectInfo> ListAsync(string prefix, string? startAfter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        // The deepest existing folder of the prefix is walked; keys are compared as '/'-separated strings, as S3 lists them.
        var folder = prefix.Contains('/', StringComparison.Ordinal) ? prefix[..(prefix.LastIndexOf('/') + 1)] : "";
        var root = PathOf(folder);
        if (!Directory.Exists(root))
        {
            yield break;
        }

        var keys = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".tmp", StringComparison.Ordinal))
            .Select(f => Path.GetRelativePath(directory, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(k => k.StartsWith(prefix, StringComparison.Ordinal) && (startAfter is null || string.CompareOrdinal(k, startAfter) > 0))
            .Order(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var info = new FileInfo(PathOf(key));
            yield return new ArchiveObjectInfo(key, info.Length, string.Create(CultureInfo.InvariantCulture, $"{info.Length}-{info.LastWriteTimeUtc.Ticks}"));
        }
    }

    public Task DeleteAsync(string key, CancellationToken cancellationToken)
    {
        File.Delete(PathOf(key));
        return Task.CompletedTask;
    }

    /// <summary>The file of a key.</summary>
    public string PathOf(string key)
    {
        var path = Path.GetFullPath(Path.Combine(directory, key.Replace('/', Path.DirectorySeparatorChar)));
        return path.StartsWith(Path.GetFullPath(directory), StringComparison.Ordinal)
            ? path
            : throw new ArgumentException($"Key '{key}' leaves the archive directory.", nameof(key));
    }

    public void Dispose()
    {
    }
}
