using EventLedger.Projections.Contracts;
using EventLedger.Reactions.Delivery;

namespace EventLedger.Reactions.Hosting;

/// <summary>
/// A reaction as the projection host sees it: a consumer whose "apply" is "deliver every message of the batch". It returns
/// only once the sink acknowledged them all, so the host's checkpoint (which moves only after a batch is applied) never
/// passes an unacknowledged message: at least once. A failure throws, and the host retries, bisects and dead-letters.
/// </summary>
public sealed class ReactionProjection(ReactionRuntime runtime) : IProjection
{
    /// <summary>A reaction's subscription generation: reactions are never rebuilt (a new message shape is a new CloudEvents
    /// type in the same subscription), so this stays 1 and the host never starts a second subscription.</summary>
    public const int HostSchemaVersion = 1;

    /// <summary>What an operator who asks for a rebuild of a reaction is told instead.</summary>
    public static string NotRebuiltBecause(string name) =>
        $"'{name}' is a reaction: it sends messages to another system and has no store to rebuild. A rebuild would send every message " +
        $"again under a new subscription. To send messages again, redeliver them from the event store: " +
        $"POST /reactions/{name}/redeliveries {{\"from\": \"2026-12-01T00:00:00Z\"}} (CLI: eventledger reactions redeliver {name} --from …).";

    public string Name => runtime.Name;
    public int SchemaVersion => HostSchemaVersion;

    public async ValueTask ApplyAsync(ProjectionBatch batch, CancellationToken cancellationToken)
    {
        var messages = runtime.Configured.Declaration.MessagesOf(batch.Events);
        if (messages.Count > 0)
        {
            await runtime.Deliverer.DeliverAllAsync(messages, DeliveryMode.Live, cancellationToken);
        }
    }
}
