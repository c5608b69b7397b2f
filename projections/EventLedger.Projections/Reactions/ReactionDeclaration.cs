using EventLedger.EventStore.Events;

namespace EventLedger.Projections.Reactions;

/// <summary>
/// A reaction: a named consumer of the event stream that turns some events into messages for another system. It is
/// declared like a read model (a name, which events it takes, what it makes of each); where the messages go (the sink) is
/// configuration. Every message is a function of one stored event alone, so a retry or a redelivery sends the same bytes
/// under the same id.
/// </summary>
/// <param name="Name">Stable name used by checkpoints, status and the API, e.g. <c>zero-amount-alerts</c>.</param>
/// <param name="Description">One line for status listings.</param>
/// <param name="Filter">The filter in words (or the configured pattern), for status listings.</param>
/// <param name="Takes">Whether an event makes a message.</param>
/// <param name="Message">The message an event that <paramref name="Takes"/> accepts makes.</param>
public sealed record ReactionDeclaration(
    string Name,
    string Description,
    string Filter,
    Func<StoredEvent, bool> Takes,
    Func<StoredEvent, ReactionMessage> Message)
{
    /// <summary>The messages of <paramref name="events"/>, in their order (per invoice, the stream's).</summary>
    public List<ReactionMessage> MessagesOf(IEnumerable<StoredEvent> events)
    {
        var messages = new List<ReactionMessage>();
        foreach (var e in events)
        {
            if (Takes(e))
            {
                messages.Add(Message(e));
            }
        }

        return messages;
    }
}
