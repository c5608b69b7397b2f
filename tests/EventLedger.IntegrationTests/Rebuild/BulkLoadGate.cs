using EventLedger.ProjectionHost.Hosting;
using static EventLedger.IntegrationTests.Rebuild.RebuildHarness;

namespace EventLedger.IntegrationTests.Rebuild;

/// <summary>
/// Holds a rebuild in its bulk load for as long as a test needs: the read model it declares (invoice totals underneath)
/// feeds version 1 as usual, but every later version waits at its first apply until the gate opens.
/// </summary>
public sealed class BulkLoadGate
{
    public const string ReadModelName = "held-totals";

    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _waiting;

    /// <summary>A rebuild has reached the gate (its bulk load applies its first page).</summary>
    public bool Reached => Volatile.Read(ref _waiting) > 0;

    public void Open() => _open.TrySetResult();

    public Func<IServiceProvider, HostedReadModel> ReadModel(string prefix) =>
        InvoiceTotalsAs(prefix, ReadModelName, 1, (version, projection) =>
            version == 1 ? projection : new ProjectionAs(projection, ReadModelName, 1, WaitAsync));

    private async Task WaitAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _waiting);
        await _open.Task.WaitAsync(cancellationToken);
    }
}
