using System.Text.Json.Nodes;
using EventLedger.EventStore.Events;

namespace EventLedger.Projections.Reactions.Custom;

/// <summary>
/// A reaction declared in configuration: a name, a filter pattern over <see cref="EventEnvelope"/> and an optional
/// CloudEvents type. Its message's data is the event's payload (camelCase) plus <c>invoiceNumber</c>, <c>version</c> and
/// <c>eventType</c>.
/// </summary>
public static class CustomReaction
{
    /// <summary>The type when none is configured: <c>eventledger.invoice.{event type}.v{schema version}</c>, e.g. <c>eventledger.invoice.TransactionAdjusted.v1</c>.</summary>
    public static string DefaultType(StoredEvent e) => $"eventledger.invoice.{e.EventType}.v{e.SchemaVersion}";

    public static ReactionDeclaration Declare(string name, EventFilterPattern filter, string? type = null) => new(
        name,
        "Configured reaction",
        filter.Text,
        e => filter.Matches(EventEnvelope.Of(e)),
        e => ReactionMessage.From(e, type ?? DefaultType(e), Data(e)));

    private static JsonObject Data(StoredEvent e)
    {
        var data = new JsonObject
        {
            ["invoiceNumber"] = e.StreamId,
            ["version"] = e.Version,
            ["eventType"] = e.EventType,
        };
        foreach (var (key, value) in EventEnvelope.Payload(e))
        {
            data[key] = value?.DeepClone();
        }

        return data;
    }
}
