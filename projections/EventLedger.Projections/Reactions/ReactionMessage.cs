using System.Globalization;
using System.Text.Json;
using EventLedger.EventStore.Events;

namespace EventLedger.Projections.Reactions;

/// <summary>
/// One message a reaction sends: a CloudEvents 1.0 event whose <see cref="Id"/> is the id of the stored event it comes
/// from, so every attempt and every redelivery carries the same id and consumers can deduplicate on it.
/// </summary>
/// <param name="Id">The stored event's id (CloudEvents <c>id</c>, Standard Webhooks <c>webhook-id</c>, SQS deduplication id).</param>
/// <param name="Type">CloudEvents <c>type</c>, e.g. <c>eventledger.alert.zero-amount.v1</c>; a new shape gets a new version suffix.</param>
/// <param name="InvoiceNumber">CloudEvents <c>subject</c>; the ordering key (SQS FIFO message group, one message in flight per invoice).</param>
/// <param name="InvoiceVersion">The event's version in the invoice's stream (the <c>invoiceversion</c> extension attribute).</param>
/// <param name="Time">When the event was recorded (CloudEvents <c>time</c>).</param>
/// <param name="Data">The payload, serialised with the API's camelCase names.</param>
public sealed record ReactionMessage(Guid Id, string Type, string InvoiceNumber, long InvoiceVersion, DateTimeOffset Time, object Data)
{
    /// <summary>The fields every message takes from its event.</summary>
    public static ReactionMessage From(StoredEvent e, string type, object data) =>
        new(e.EventId, type, e.StreamId, e.Version, e.RecordedAt, data);

    /// <summary>The id as it appears on the wire (lower-case, hyphenated).</summary>
    public string IdText => Id.ToString("D", CultureInfo.InvariantCulture);
}

/// <summary>Writes a <see cref="ReactionMessage"/> as a structured-mode CloudEvents 1.0 JSON document.</summary>
public static class CloudEventJson
{
    public const string ContentType = "application/cloudevents+json; charset=utf-8";
    public const string SpecVersion = "1.0";

    /// <summary>The <c>source</c> attribute when none is configured.</summary>
    public const string DefaultSource = "urn:eventledger:invoices";

    /// <summary>camelCase, nulls left out: the API's JSON.</summary>
    public static readonly JsonSerializerOptions DataJson = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static byte[] Serialize(ReactionMessage message, string source)
    {
        using var buffer = new MemoryStream(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("specversion", SpecVersion);
            writer.WriteString("id", message.IdText);
            writer.WriteString("source", source);
            writer.WriteString("type", message.Type);
            writer.WriteString("subject", message.InvoiceNumber);
            writer.WriteString("time", message.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture));
            writer.WriteString("datacontenttype", "application/json");
            writer.WriteNumber("invoiceversion", message.InvoiceVersion);
            writer.WritePropertyName("data");
            JsonSerializer.Serialize(writer, message.Data, message.Data.GetType(), DataJson);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
