namespace EventLedger.IntegrationTests.Fixtures;

/// <summary>Waits for a condition by polling, failing with what it waited for (and the last observed state) on timeout.</summary>
public static class Probe
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(25);

    public static Task UntilAsync(Func<bool> condition, string waitingFor, TimeSpan? timeout = null, Func<string>? state = null) =>
        UntilAsync(() => Task.FromResult(condition()), waitingFor, timeout, state);

    public static async Task UntilAsync(Func<Task<bool>> condition, string waitingFor, TimeSpan? timeout = null, Func<string>? state = null)
    {
        var limit = timeout ?? TimeSpan.FromSeconds(20);
        var started = DateTime.UtcNow;
        while (true)
        {
            if (await condition())
            {
                return;
            }

            if (DateTime.UtcNow - started > limit)
            {
                var observed = state is null ? "" : $" Last observed: {state()}";
                throw new TimeoutException($"Timed out after {limit.TotalSeconds:0.#} s waiting for {waitingFor}.{observed}");
            }

            await Task.Delay(Interval);
        }
    }
}
