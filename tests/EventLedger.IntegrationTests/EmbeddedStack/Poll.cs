using System.Diagnostics;

namespace EventLedger.IntegrationTests.EmbeddedStack;

/// <summary>Waits for a condition by polling, failing with a message after a timeout (no fixed sleeps in tests).</summary>
internal static class Poll
{
    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, string because)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!condition())
        {
            if (stopwatch.Elapsed > timeout)
            {
                Assert.Fail($"Timed out after {timeout.TotalSeconds:0.#} s waiting until {because}.");
            }

            await Task.Delay(25);
        }
    }
}
