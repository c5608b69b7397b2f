namespace EventLedger.Streams.Reader;

/// <summary>Exponential backoff with "equal jitter": half the capped exponential delay plus a random share of the other half.</summary>
internal sealed class Backoff(TimeSpan baseDelay, TimeSpan maxDelay)
{
    public TimeSpan Delay(int attempt)
    {
        var exponent = Math.Clamp(attempt - 1, 0, 30);
        var capped = Math.Min(maxDelay.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, exponent));
        var half = capped / 2;
        return TimeSpan.FromMilliseconds(half + (Random.Shared.NextDouble() * half));
    }

    public Task WaitAsync(int attempt, TimeProvider time, CancellationToken cancellationToken) =>
        Task.Delay(Delay(attempt), time, cancellationToken);
}
