using System.Diagnostics;
using EventLedger.EmbeddedStack;

using EventLedger.IntegrationTests.Fixtures;

namespace EventLedger.IntegrationTests.EmbeddedStack;

/// <summary>The watchdog that stops servers when the .NET process dies without cleaning up (SIGKILL, crash).</summary>
public sealed class OrphanWatchdogTests
{
    [Fact]
    public async Task When_the_owner_goes_away_the_child_is_stopped_and_its_directory_deleted()
    {
        using var child = Process.Start("sleep", "300");
        var directory = Directory.CreateTempSubdirectory("eventledger-watchdog-").FullName;
        using var watchdog = OrphanWatchdog.Start(child.Id, "TERM", directory);

        watchdog.Trigger(); // what the kernel does when this process dies: the pipe closes without "disarm"

        await Probe.UntilAsync(() => child.HasExited, "the child is stopped", TimeSpan.FromSeconds(10));
        Assert.True(watchdog.WaitForExit(TimeSpan.FromSeconds(10)));
        Assert.False(Directory.Exists(directory));
    }

    [Fact]
    public void A_disarmed_watchdog_leaves_the_child_alone()
    {
        using var child = Process.Start("sleep", "300");
        var directory = Directory.CreateTempSubdirectory("eventledger-watchdog-").FullName;
        try
        {
            using (var watchdog = OrphanWatchdog.Start(child.Id, "TERM", directory))
            {
                watchdog.Disarm();
                Assert.True(watchdog.WaitForExit(TimeSpan.FromSeconds(10)));
            }

            Assert.False(child.HasExited);
            Assert.True(Directory.Exists(directory));
        }
        finally
        {
            child.Kill();
            Directory.Delete(directory);
        }
    }
}
