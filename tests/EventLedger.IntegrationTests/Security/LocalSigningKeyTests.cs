using System.Runtime.Versioning;
using EventLedger.Api.Security;

namespace EventLedger.IntegrationTests.Security;

/// <summary>The local issuer's key file: created owner-only on first use, reused after, refused when others could read it.</summary>
[UnsupportedOSPlatform("windows")] // file modes are what these tests check
public sealed class LocalSigningKeyTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "eventledger-key-tests-" + Guid.NewGuid().ToString("N")[..8]);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task The_key_is_created_once_owner_only_and_every_caller_gets_the_same_one()
    {
        var path = Path.Combine(_directory, "auth", "signing-key");
        var keys = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => LocalSigningKey.LoadOrCreate(path))));

        Assert.Single(keys.Select(k => k.SecurityKey.KeyId).Distinct());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
        Assert.True(Convert.FromBase64String(File.ReadAllText(path).Trim()).Length >= 32);
    }

    [Fact]
    public void A_key_file_others_may_read_is_refused_with_what_to_do()
    {
        var path = Path.Combine(_directory, "readable", "signing-key");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, Convert.ToBase64String(new byte[64]));
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var error = Assert.Throws<InvalidOperationException>(() => LocalSigningKey.LoadOrCreate(path));
        Assert.Contains("chmod 600", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_is_not_a_key_is_refused()
    {
        var path = Path.Combine(_directory, "corrupt", "signing-key");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "not base64 at all");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);

        Assert.Throws<InvalidOperationException>(() => LocalSigningKey.LoadOrCreate(path));
    }
}
