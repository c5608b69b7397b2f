using System.Text.Json;
using System.Text.Json.Nodes;
using EventLedger.Domain.Invoices;
using EventLedger.EventStore.Events;

namespace EventLedger.Domain.Tests.EventSamples;

/// <summary>
/// Pins the stored JSON of every event type and schema version to a checked-in sample: a rename or a changed property
/// fails here before it can make stored events unreadable.
/// </summary>
public class EventWireShapeTests
{
    private static readonly DateOnly Day = new(2016, 6, 6);

    public static TheoryData<string, IInvoiceEvent> Samples => new()
    {
        { "TransactionRecorded.v1.json", new TransactionRecorded("Client1_trans1xxxx", 100.25m, "USD", "USA", Day,
            JsonDocument.Parse("""{"Vendor Name":"Vendor1 Inc","NumberofItems":"5"}""").RootElement, "admin@com") },
        { "TransactionAdjusted.v1.json", new TransactionAdjusted("Client1_trans1xxxx", 90m, 100.25m, "USD", "USA", Day, "discount") },
        { "TransactionVoided.v1.json", new TransactionVoided("Client1_trans1xxxx", 90m, "USD", "USA", Day, "admin@com", "duplicate") },
        { "VerifierAssigned.v1.json", new VerifierAssigned("USA", "admin@com") },
        { "VerifierUnassigned.v1.json", new VerifierUnassigned("USA", "admin@com") },
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public void Serialized_event_matches_its_checked_in_sample(string file, IInvoiceEvent sample)
    {
        var expected = JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "EventSamples", file)));
        var actual = JsonNode.Parse(EventTypeMap.Serialize(sample));
        Assert.True(JsonNode.DeepEquals(expected, actual), $"{file} differs:\n{actual}");
        var (name, version) = EventTypeMap.NameOf(sample);
        Assert.Equal(file, $"{name}.v{version}.json");
    }

    [Theory]
    [MemberData(nameof(Samples))]
    public void Checked_in_sample_deserializes_to_the_event(string file, IInvoiceEvent sample)
    {
        var (name, version) = EventTypeMap.NameOf(sample);
        var read = EventTypeMap.Deserialize(name, version, File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "EventSamples", file)));
        Assert.Equal(EventTypeMap.Serialize(sample), EventTypeMap.Serialize(read));
    }

    [Fact]
    public void An_unknown_type_or_newer_schema_is_an_error_not_skipped()
    {
        Assert.Throws<UnknownEventTypeException>(() => EventTypeMap.Deserialize("InvoiceExploded", 1, "{}"));
        Assert.Throws<UnknownEventTypeException>(() => EventTypeMap.Deserialize("VerifierAssigned", 2, "{}"));
    }
}
