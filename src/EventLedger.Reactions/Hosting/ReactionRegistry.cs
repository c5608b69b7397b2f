using System.Collections.Concurrent;
using EventLedger.Reactions.Configuration;
using EventLedger.Reactions.Delivery;
using EventLedger.Reactions.Sinks;
using EventLedger.Reactions.Sinks.Sns;
using EventLedger.Reactions.Sinks.Sqs;
using EventLedger.Reactions.Sinks.Webhooks;
using Microsoft.Extensions.Logging;

namespace EventLedger.Reactions.Hosting;

/// <summary>Where the reactions of this deployment keep state and which AWS endpoint their SQS/SNS sinks use (null: AWS itself).</summary>
public sealed record ReactionsHostSettings(string TablePrefix, string? AwsEndpoint)
{
    /// <summary>How often a reaction re-reads whether its endpoint is disabled (another host's 410, an operator's enable).</summary>
    public TimeSpan EndpointStateRefresh { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Every declared reaction of this deployment, on (with a sink) or off, in declaration order; a later registration of a
/// name replaces an earlier one. Creates each on reaction's <see cref="ReactionRuntime"/> once, on first use.
/// </summary>
public sealed class ReactionRegistry(
    IEnumerable<ConfiguredReaction> reactions,
    ReactionStateStore stateStore,
    ReactionsHostSettings settings,
    TimeProvider time,
    ILoggerFactory loggerFactory) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<ReactionRuntime>> _runtimes = new(StringComparer.Ordinal);

    public IReadOnlyList<ConfiguredReaction> All { get; } = Deduplicate(reactions);

    public ConfiguredReaction? Find(string name) => All.FirstOrDefault(r => r.Name == name);

    /// <summary>The runtime of a reaction that is on.</summary>
    /// <exception cref="InvalidOperationException">The reaction is unknown or off.</exception>
    public ReactionRuntime Runtime(string name)
    {
        var configured = Find(name) ?? throw new InvalidOperationException($"No reaction is named '{name}'.");
        if (configured.Sink is not { } sink)
        {
            throw new InvalidOperationException($"Reaction '{name}' is off: it has no sink (set Reactions:{configured.Section}:Sink).");
        }

        return _runtimes.GetOrAdd(name, _ => new Lazy<ReactionRuntime>(() => Create(configured, sink))).Value;
    }

    /// <summary>The runtime if it was created in this process (status reads it without creating sinks).</summary>
    public ReactionRuntime? Existing(string name) =>
        _runtimes.TryGetValue(name, out var lazy) && lazy.IsValueCreated ? lazy.Value : null;

    public static IReactionSink CreateSink(SinkSettings sink, string? awsEndpoint) => sink.Kind switch
    {
        SinkKind.Webhook => new WebhookSink(sink),
        SinkKind.Sqs => new SqsSink(sink, awsEndpoint),
        _ => new SnsSink(sink, awsEndpoint),
    };

    private ReactionRuntime Create(ConfiguredReaction configured, SinkSettings sinkSettings)
    {
        var sink = CreateSink(sinkSettings, settings.AwsEndpoint);
        var gate = new EndpointGate(stateStore, configured.Name, time, settings.EndpointStateRefresh);
        var counters = new ReactionCounters();
        var deliverer = new ReactionDeliverer(configured.Name, sink, gate, configured.Delivery, configured.Source, counters, time,
            loggerFactory.CreateLogger($"EventLedger.Reactions.{configured.Name}"));
        return new ReactionRuntime(configured, sink, gate, deliverer, counters);
    }

    private static List<ConfiguredReaction> Deduplicate(IEnumerable<ConfiguredReaction> reactions)
    {
        var result = new List<ConfiguredReaction>();
        foreach (var reaction in reactions)
        {
            var index = result.FindIndex(r => r.Name == reaction.Name);
            if (index >= 0)
            {
                result[index] = reaction;
            }
            else
            {
                result.Add(reaction);
            }
        }

        return result;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var runtime in _runtimes.Values.Where(l => l.IsValueCreated))
        {
            await runtime.Value.DisposeAsync();
        }
    }
}
