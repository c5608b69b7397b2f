using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace EventLedger.Api.Security;

/// <summary>
/// The local issuer's HMAC-SHA256 key: 64 random bytes, base64, in one file that only its owner may read (created on
/// first use, like an SSH key). The server validates with it and the CLI, the tests and the benchmarks mint with it, so
/// every process on this machine that finds the same file speaks for the same issuer.
/// </summary>
public sealed class LocalSigningKey
{
    private const int KeyBytes = 64;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode GroupOrOther = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    // One load per file per process; the file lock below orders processes.
    private static readonly ConcurrentDictionary<string, Lazy<LocalSigningKey>> Loaded = new(StringComparer.Ordinal);

    private LocalSigningKey(byte[] bytes, string? path)
    {
        Path = path;
        SecurityKey = new SymmetricSecurityKey(bytes) { KeyId = Convert.ToHexStringLower(SHA256.HashData(bytes))[..16] };
    }

    /// <summary>The key file, or null for a key that only lives in memory (<see cref="Generate"/>).</summary>
    public string? Path { get; }

    public SymmetricSecurityKey SecurityKey { get; }

    /// <summary>A fresh key that is never written anywhere (tests use one to sign tokens the server must refuse).</summary>
    public static LocalSigningKey Generate() => new(RandomNumberGenerator.GetBytes(KeyBytes), null);

    /// <summary>
    /// <c>&lt;repository&gt;/.eventledger/auth/signing-key</c> where a checkout holding <c>EventLedger.sln</c> is found above the
    /// application or the current directory (the same <c>.eventledger/</c> the local stack uses), else
    /// <c>~/.eventledger/auth/signing-key</c>. Never the shared temp directory: another user could plant a key there.
    /// </summary>
    public static string DefaultPath()
    {
        var root = FindCheckout(AppContext.BaseDirectory) ?? FindCheckout(Directory.GetCurrentDirectory())
            ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return System.IO.Path.Combine(root, ".eventledger", "auth", "signing-key");
    }

    /// <summary>Reads the key at <paramref name="path"/>, creating it (owner-only) if it does not exist yet.</summary>
    /// <exception cref="InvalidOperationException">The file is readable by others or is not a key.</exception>
    public static LocalSigningKey LoadOrCreate(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        var lazy = Loaded.GetOrAdd(full, p => new Lazy<LocalSigningKey>(() => LoadOrCreateLocked(p)));
        try
        {
            return lazy.Value;
        }
        catch
        {
            Loaded.TryRemove(new KeyValuePair<string, Lazy<LocalSigningKey>>(full, lazy));
            throw;
        }
    }

    private static LocalSigningKey LoadOrCreateLocked(string path)
    {
        var directory = System.IO.Path.GetDirectoryName(path)!;
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
        }
        else
        {
            Directory.CreateDirectory(directory, OwnerOnlyDirectory);
        }

        // Two processes starting at once (a server and a CLI, parallel test hosts) must not each create a different key.
        using var fileLock = AcquireLock(path + ".lock");
        if (File.Exists(path))
        {
            return Read(path);
        }

        var bytes = RandomNumberGenerator.GetBytes(KeyBytes);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnlyFile;
        }

        using (var writer = new StreamWriter(path, System.Text.Encoding.ASCII, options))
        {
            writer.WriteLine(Convert.ToBase64String(bytes));
        }

        return new LocalSigningKey(bytes, path);
    }

    private static LocalSigningKey Read(string path)
    {
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & GroupOrOther) != 0)
        {
            throw new InvalidOperationException(
                $"The signing key {path} may be read or changed by other users; anyone who can read it can mint tokens. " +
                $"Make it owner-only (chmod 600 {path}), or delete it to create a new key (tokens signed with the old one stop working).");
        }

        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(File.ReadAllText(path).Trim());
        }
        catch (FormatException)
        {
            bytes = [];
        }

        if (bytes.Length < 32)
        {
            throw new InvalidOperationException($"The signing key {path} is not a base64 key of at least 32 bytes; delete it to create a new one.");
        }

        return new LocalSigningKey(bytes, path);
    }

    private static FileStream AcquireLock(string lockPath)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = FileShare.None };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = OwnerOnlyFile;
                }

                return new FileStream(lockPath, options);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(20);
            }
        }
    }

    private static string? FindCheckout(string start)
    {
        for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "EventLedger.sln")))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
