using EventLedger.IntegrationTests.Rebuild;
using EventLedger.ProjectionHost.Hosting;
using static EventLedger.IntegrationTests.Rebuild.RebuildHarness;

namespace EventLedger.IntegrationTests.OperatorConsole;

/// <summary>
/// A read model ("paced-totals", invoice totals underneath) whose rebuilds apply <see cref="PagesBeforeHold"/> bulk-load
/// pages and then hold until cancelled: a rebuild that is visibly part-way, with progress and a rate, for as long as a
/// test looks at it. Version 1 is fed from the stream as usual.
/// </summary>
public sealed class PacedRebuild
{
    public const string ReadModelName = "paced-totals";
    public const int PagesBeforeHold = 3;

    private int _pages;

    /// <summary>The rebuild has applied its pages and now holds.</summary>
    public bool Holding => Volatile.Read(ref _pages) > PagesBeforeHold;

    public Func<IServiceProvider, HostedReadModel> ReadModel(string prefix) =>
        InvoiceTotalsAs(prefix, ReadModelName, 1, (version, projection) =>
            version == 1 ? projection : new ProjectionAs(projection, ReadModelName, 1, HoldAfterSomePagesAsync));

    private async Task HoldAfterSomePagesAsync(CancellationToken cancellationToken)
    {
        if (Interlocked.Increment(ref _pages) > PagesBeforeHold)
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
    }
}
