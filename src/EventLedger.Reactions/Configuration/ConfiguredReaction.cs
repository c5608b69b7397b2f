using EventLedger.Projections.Reactions;

namespace EventLedger.Reactions.Configuration;

/// <summary>A declared reaction with its configuration. Without a <see cref="Sink"/> it is off: nothing consumes the stream for it.</summary>
/// <param name="Declaration">Name, filter, message.</param>
/// <param name="Section">The configuration section (<c>Reactions:{Section}</c>) that gives it a sink.</param>
/// <param name="Sink">Where messages go, or null (off).</param>
/// <param name="Delivery">Retries and concurrency.</param>
/// <param name="Source">CloudEvents <c>source</c>.</param>
public sealed record ConfiguredReaction(ReactionDeclaration Declaration, string Section, SinkSettings? Sink, DeliverySettings Delivery, string Source)
{
    public string Name => Declaration.Name;
    public bool IsOn => Sink is not null;
}
