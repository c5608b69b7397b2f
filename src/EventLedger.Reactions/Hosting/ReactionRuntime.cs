using EventLedger.Reactions.Configuration;
using EventLedger.Reactions.Delivery;
using EventLedger.Reactions.Sinks;

namespace EventLedger.Reactions.Hosting;

/// <summary>A reaction that is on, in this process: its sink, its endpoint gate, its deliverer and counters, shared by the
/// stream consumer, redeliveries and dead-letter retries.</summary>
public sealed class ReactionRuntime(ConfiguredReaction configured, IReactionSink sink, EndpointGate gate, ReactionDeliverer deliverer, ReactionCounters counters) : IAsyncDisposable
{
    public ConfiguredReaction Configured { get; } = configured;
    public IReactionSink Sink { get; } = sink;
    public EndpointGate Gate { get; } = gate;
    public ReactionDeliverer Deliverer { get; } = deliverer;
    public ReactionCounters Counters { get; } = counters;
    public string Name => Configured.Name;

    public ValueTask DisposeAsync() => Sink.DisposeAsync();
}
