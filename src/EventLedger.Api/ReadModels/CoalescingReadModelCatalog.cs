using System.Collections.Concurrent;
using EventLedger.Projections.Common;
using EventLedger.Projections.Contracts;

namespace EventLedger.Api.ReadModels;

/// <summary>
/// Lets concurrent requests share one lookup of a read model's live table: when the inner catalog's cached entry has
/// expired, the first request looks it up and the others wait for that answer instead of each reading the version
/// registry (under load, every request arriving while the registry read is slow would otherwise read it too).
/// </summary>
public sealed class CoalescingReadModelCatalog(IReadModelCatalog inner) : IReadModelCatalog
{
    private readonly ConcurrentDictionary<string, Task<ReadModelTable>> _inFlight = new(StringComparer.Ordinal);

    public ValueTask<ReadModelTable> LiveTableAsync(string name, CancellationToken cancellationToken)
    {
        if (_inFlight.TryGetValue(name, out var running))
        {
            return new ValueTask<ReadModelTable>(running.WaitAsync(cancellationToken));
        }

        // Not tied to this request's token: other requests may wait on it.
        var lookup = inner.LiveTableAsync(name, CancellationToken.None);
        if (lookup.IsCompletedSuccessfully)
        {
            return lookup;
        }

        var task = lookup.AsTask();
        var shared = _inFlight.GetOrAdd(name, task);
        if (ReferenceEquals(shared, task))
        {
            _ = task.ContinueWith(t => _inFlight.TryRemove(KeyValuePair.Create(name, t)), CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        return new ValueTask<ReadModelTable>(shared.WaitAsync(cancellationToken));
    }
}
