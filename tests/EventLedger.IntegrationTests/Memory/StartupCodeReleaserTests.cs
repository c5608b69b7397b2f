using System.Text.Json;
using EventLedger.Server.Memory;

namespace EventLedger.IntegrationTests.Memory;

/// <summary>
/// The start-up code release (README "Memory settings"): which mappings it pages out, and on the real kernel that it
/// lowers the process's file-backed resident memory while the code paged out still runs.
/// </summary>
public sealed class StartupCodeReleaserTests
{
    [Theory]
    [InlineData("7f1c2a000000-7f1c2a200000 r-xp 00000000 08:01 1234 /usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.12/libcoreclr.so")]
    [InlineData("7f1c2a000000-7f1c2a200000 r--s 00000000 08:01 1234 /work/app/EventLedger.Server.dll")]
    [InlineData("7f1c2a000000-7f1c2a200000 rw-p 00001000 08:01 1234 /work/app/with space/lib.so")]
    public void A_mapped_file_is_paged_out(string line)
    {
        var mapping = StartupCodeReleaser.ParseFileMapping(line);
        Assert.Equal((0x7f1c2a000000UL, 0x7f1c2a200000UL), mapping);
    }

    [Theory]
    [InlineData("7f1c2a000000-7f1c2a200000 rw-p 00000000 00:00 0 ")] // anonymous: the GC heap, native heap
    [InlineData("7ffd1000-7ffd3000 rw-p 00000000 00:00 0 [stack]")]
    [InlineData("7f1c2a000000-7f1c2a200000 r-xs 00000000 00:01 99 /memfd:doublemapper (deleted)")] // the JIT's code (W^X)
    [InlineData("7f1c2a000000-7f1c2a200000 r-xp 00000000 08:01 1234 /tmp/replaced.so (deleted)")]
    [InlineData("7f1c2a000000-7f1c2a200000 rw-s 00000000 00:05 7 /dev/shm/segment")]
    [InlineData("7f1c2a000000-7f1c2a200000 rw-s 00000000 08:01 1234 /data/shared-writable.bin")]
    [InlineData("garbage")]
    public void Anything_else_is_left_alone(string line) => Assert.Null(StartupCodeReleaser.ParseFileMapping(line));

    [Fact]
    public void Paging_out_lowers_the_file_backed_resident_memory_and_the_code_still_runs()
    {
        // Touch code of several assemblies first, so there is something resident to give back.
        var json = JsonSerializer.Serialize(new { invoice = "INV-1", amount = 12.5m });
        Assert.True(StartupCodeReleaser.ResidentFileBytes() > 0);

        var released = StartupCodeReleaser.PageOutMappedFiles();

        Assert.True(released.Advised > 10, $"{released.Advised} mappings advised");
        Assert.True(released.ResidentAfter < released.ResidentBefore,
            $"file-backed resident memory {released.ResidentBefore} -> {released.ResidentAfter} bytes");
        // The pages come back from the files on their next use: the same code gives the same answer.
        Assert.Equal(json, JsonSerializer.Serialize(new { invoice = "INV-1", amount = 12.5m }));
        Assert.Equal(12.5m, JsonSerializer.Deserialize<JsonElement>(json).GetProperty("amount").GetDecimal());
    }
}
