using System.Collections.Frozen;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using EventLedger.Domain.Invoices;

namespace EventLedger.EventStore.Events;

/// <summary>
/// Maps stored type names to CLR types and (de)serialises payloads. The stored name comes from
/// <see cref="EventTypeAttribute"/> so that renaming a class never changes what is on disk.
/// </summary>
public static class EventTypeMap
{
    /// <summary>How event payloads are written and read. Command fingerprints do not use these options (they have
    /// their own, frozen ones in <see cref="CommandFingerprint"/>), so changing them cannot turn a retry into a 422.</summary>
    public static readonly JsonSerializerOptions PayloadJson = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private static readonly FrozenDictionary<string, Type> ByName;
    private static readonly FrozenDictionary<Type, EventTypeAttribute> ByType;

    static EventTypeMap()
    {
        var types = typeof(IInvoiceEvent).Assembly.GetTypes()
            .Where(t => typeof(IInvoiceEvent).IsAssignableFrom(t) && t is { IsClass: true, IsAbstract: false })
            .Select(t => (Type: t, Attr: t.GetCustomAttribute<EventTypeAttribute>()
                ?? throw new InvalidOperationException($"{t.Name} has no [EventType]")))
            .ToList();
        ByName = types.ToFrozenDictionary(x => x.Attr.Name, x => x.Type, StringComparer.Ordinal);
        ByType = types.ToFrozenDictionary(x => x.Type, x => x.Attr);
    }

    public static IReadOnlyCollection<string> KnownTypes => ByName.Keys;

    public static (string Name, int SchemaVersion) NameOf(IInvoiceEvent e)
    {
        var attr = ByType[e.GetType()];
        return (attr.Name, attr.SchemaVersion);
    }

    public static string Serialize(IInvoiceEvent e) => JsonSerializer.Serialize(e, e.GetType(), PayloadJson);

    /// <summary>Deserialises a payload. Unknown type names or newer schema versions are an error, never silently skipped.</summary>
    public static IInvoiceEvent Deserialize(string eventType, int schemaVersion, string payload)
    {
        if (!ByName.TryGetValue(eventType, out var type))
        {
            throw new UnknownEventTypeException(eventType, schemaVersion);
        }

        if (schemaVersion > ByType[type].SchemaVersion)
        {
            throw new UnknownEventTypeException(eventType, schemaVersion);
        }

        return (IInvoiceEvent)(JsonSerializer.Deserialize(payload, type, PayloadJson)
            ?? throw new JsonException($"Payload of {eventType} is null"));
    }
}

public sealed class UnknownEventTypeException(string eventType, int schemaVersion)
    : Exception($"Event type '{eventType}' schema version {schemaVersion} is not known to this build.")
{
    public string EventType { get; } = eventType;
    public int SchemaVersion { get; } = schemaVersion;
}
