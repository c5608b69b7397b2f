using EventLedger.Projections.Contracts;

namespace EventLedger.IntegrationTests.ProjectionHost;

/// <summary>
/// Wraps a real projection to produce what DynamoDB Local cannot: a failure for chosen invoices while <see cref="Failing"/>
/// is set (a poison event), or a host that applied a batch and then dies before checkpointing (<see cref="FreezeAfter"/>).
/// </summary>
public sealed class FaultyProjection(IProjection inner, Func<string, bool> poisons) : IProjection
{
    public volatile bool Failing = true;
    /// <summary>Freeze (applied, not checkpointed) in the batch that brings <see cref="Applied"/> to this many events; 0: never.</summary>
    public int FreezeAfter;
    public int Applied;

    public string Name => inner.Name;
    public int SchemaVersion => inner.SchemaVersion;

    public async ValueTask ApplyAsync(ProjectionBatch batch, CancellationToken cancellationToken)
    {
        if (Failing && batch.Events.FirstOrDefault(e => poisons(e.StreamId)) is { } poison)
        {
            throw new InvalidOperationException($"poison event {poison.StreamId} v{poison.Version}");
        }

        await inner.ApplyAsync(batch, cancellationToken);
        if (Interlocked.Add(ref Applied, batch.Events.Count) >= FreezeAfter && FreezeAfter > 0)
        {
            // Applied, not checkpointed: the process "freezes" here until it is torn down.
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
    }
}
