using EventLedger.ProjectionHost.Rebuilds;
using EventLedger.Projections.Contracts;
using EventLedger.Server.Operations;
using Microsoft.Extensions.DependencyInjection;

namespace EventLedger.Server.OperatorConsole;

/// <summary>
/// The status that <c>GET /projections</c> answers, read at most once per <see cref="Interval"/> however many consoles
/// watch it: each read costs a few registry reads per read model, so a second browser tab must not double them.
/// </summary>
internal sealed class ProjectionStatusFeed(IServiceProvider services, TimeProvider clock) : IDisposable
{
    /// <summary>How often a watching console gets the status (and the lag chart a point).</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _reading = new(1, 1);
    private ProjectionStatusSnapshot? _latest;

    public async Task<ProjectionStatusSnapshot> CurrentAsync(CancellationToken ct)
    {
        if (Fresh(_latest) is { } cached)
        {
            return cached;
        }

        await _reading.WaitAsync(ct);
        try
        {
            // Another watcher may have read it while this one waited.
            if (Fresh(_latest) is { } justRead)
            {
                return justRead;
            }

            var at = clock.GetUtcNow();
            var readModels = await ProjectionEndpoints.GetProjections(services, services.GetRequiredService<IReadModelCatalog>(),
                services.GetRequiredService<ReadModelVersionRegistry>(), ct);
            return _latest = new ProjectionStatusSnapshot(at, readModels.Value!);
        }
        finally
        {
            _reading.Release();
        }
    }

    // A little under the interval, so a watcher whose timer fires a few milliseconds early still gets a new reading.
    private ProjectionStatusSnapshot? Fresh(ProjectionStatusSnapshot? snapshot) =>
        snapshot is not null && clock.GetUtcNow() - snapshot.At < Interval * 0.8 ? snapshot : null;

    public void Dispose() => _reading.Dispose();
}

/// <summary>
/// One <c>status</c> event of <c>GET /projections/stream</c>: when the server read it, and the read models exactly as
/// <c>GET /projections</c> lists them.
/// </summary>
/// <param name="At">The server's clock when it read the status (the console's lag chart and rebuild ETA use it).</param>
/// <param name="ReadModels">One entry per hosted read model, the same as <c>GET /projections</c>.</param>
internal sealed record ProjectionStatusSnapshot(DateTimeOffset At, IReadOnlyList<ReadModelStatusResponse> ReadModels);
