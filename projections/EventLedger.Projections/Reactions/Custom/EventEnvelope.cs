using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using EventLedger.EventStore.Events;

namespace EventLedger.Projections.Reactions.Custom;

/// <summary>
/// The JSON view of a stored event that custom reactions filter on:
/// <c>{"eventType", "schemaVersion", "invoiceNumber", "version", "eventId", "recordedAt", "data": {payload, camelCase},
/// "metadata": {"correlationId", "commandId", "causationId", "actor"}}</c>.
/// </summary>
public static class EventEnvelope
{
    public static JsonObject Of(StoredEvent e)
    {
        var metadata = new JsonObject { ["correlationId"] = e.Metadata.CorrelationId };
        if (e.Metadata.CommandId is { } command) metadata["commandId"] = command;
        if (e.Metadata.CausationId is { } causation) metadata["causationId"] = causation;
        if (e.Metadata.Actor is { } actor) metadata["actor"] = actor;
        return new JsonObject
        {
            ["eventType"] = e.EventType,
            ["schemaVersion"] = e.SchemaVersion,
            ["invoiceNumber"] = e.StreamId,
            ["version"] = e.Version,
            ["eventId"] = e.EventId.ToString("D", CultureInfo.InvariantCulture),
            ["recordedAt"] = e.RecordedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            ["data"] = Payload(e),
            ["metadata"] = metadata,
        };
    }

    /// <summary>The event's payload with the API's camelCase names.</summary>
    public static JsonObject Payload(StoredEvent e) =>
        JsonSerializer.SerializeToNode(e.Data, e.Data.GetType(), CloudEventJson.DataJson) as JsonObject ?? [];
}
