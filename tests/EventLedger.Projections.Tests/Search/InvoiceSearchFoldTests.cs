using System.Text.Json;
using EventLedger.Projections.Search;
using EventLedger.Projections.Tests.Properties;
using EventLedger.Projections.Tests.Support;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace EventLedger.Projections.Tests.Search;

public class InvoiceSearchFoldTests
{
    private static IReadOnlyDictionary<string, InvoiceSearchDocument> Apply(IReadOnlyDictionary<string, InvoiceSearchDocument> table, params IReadOnlyList<EventStore.Events.StoredEvent>[] batches) =>
        batches.Aggregate(table, InvoiceSearchFold.ApplyBatch);

    private static IReadOnlyDictionary<string, InvoiceSearchDocument> Empty => new Dictionary<string, InvoiceSearchDocument>();

    [Fact]
    public void Sample_gives_one_document_per_transaction_with_the_seeds_fields()
    {
        var table = Apply(Empty, SampleInvoices.Events());

        Assert.Equal(5, table.Count);
        var doc = table["1212121/Client1_trans1xxxx"];
        Assert.Equal(("1212121", "Client1_trans1xxxx", 100m, "USD", "USA", "live", "admin@com", 2L),
            (doc.InvoiceNumber, doc.TransactionId, doc.Amount, doc.Currency, doc.Country, doc.Status, doc.Verifier, doc.LastAppliedVersion));
        Assert.Equal("Vendor1 Inc", doc.Vendor);
        Assert.Equal([new InvoiceSearchItem("desktops", 1), new InvoiceSearchItem("laptops", 2), new InvoiceSearchItem("printer", 2)], doc.Items);
        Assert.Equal(["desktops", "laptops", "printer"], doc.ItemNames);
        Assert.StartsWith("Client1_trans1xxxx ", doc.SearchText, StringComparison.Ordinal);
        Assert.Contains("Vendor Name Vendor1 Inc", doc.SearchText, StringComparison.Ordinal);
        Assert.Null(table["1212121/Client1_trans2xxxx"].Vendor);
    }

    [Fact]
    public void Adjust_and_void_keep_the_recorded_document_and_the_guard_skips_older_and_equal_versions()
    {
        using var document = JsonDocument.Parse("""{"vendor": "Acme 7", "items": [{"name": "Printer", "quantity": "3"}]}""");
        var log = new EventLog();
        log.On("inv").Assign("USA", "ann").Record("a", 10m, "USA", document: document.RootElement.Clone()).Adjust("a", 12m).Void("a");
        var events = log.Events;

        var afterAdjust = Apply(Empty, events.Take(3).ToList())["inv/a"];
        var afterVoid = Apply(Empty, events)["inv/a"];

        Assert.Equal((12m, "live", 3L, "Acme 7"), (afterAdjust.Amount, afterAdjust.Status, afterAdjust.LastAppliedVersion, afterAdjust.Vendor));
        Assert.Equal((12m, "voided", 4L, "ann"), (afterVoid.Amount, afterVoid.Status, afterVoid.LastAppliedVersion, afterVoid.Verifier));
        Assert.Equal([new InvoiceSearchItem("printer", 3)], afterVoid.Items);
        Assert.NotNull(afterVoid.Document);

        // Equal version = the same event again; lower = older: both change nothing (the same instance comes back).
        Assert.Same(afterVoid, InvoiceSearchFold.Apply(afterVoid, events[3]));
        Assert.Same(afterVoid, InvoiceSearchFold.Apply(afterVoid, events[2]));
        Assert.Empty(InvoiceSearchFold.Plan(InvoiceSearchFold.Changes(events), new Dictionary<string, InvoiceSearchDocument> { ["inv/a"] = afterVoid }));
    }

    [Fact]
    public void Verifier_events_change_no_document()
    {
        var log = new EventLog();
        log.On("inv").Record("a", 1m, "UK").Assign("UK", "bob").Unassign("UK");

        Assert.Single(InvoiceSearchFold.Changes(log.Events));
        Assert.Equal(1L, Apply(Empty, log.Events)["inv/a"].LastAppliedVersion);
    }

    [Fact]
    public void The_search_text_does_not_depend_on_the_documents_key_order()
    {
        using var a = JsonDocument.Parse("""{"Vendor Name": "V1", "ItemsDesc": [{"printer": {"Quantity": 2}, "desktops": {"Quantity": 1}}]}""");
        using var b = JsonDocument.Parse("""{"ItemsDesc": [{"desktops": {"Quantity": 1}, "printer": {"Quantity": 2}}], "Vendor Name": "V1"}""");

        Assert.Equal(InvoiceDocFields.SearchText("t", a.RootElement), InvoiceDocFields.SearchText("t", b.RootElement));
        Assert.Equal(InvoiceDocFields.Items(a.RootElement), InvoiceDocFields.Items(b.RootElement));
    }

    [Theory]
    [InlineData("""{"Vendor Name": "Vendor1 Inc"}""", "Vendor1 Inc")]
    [InlineData("""{"vendorName": "Acme"}""", "Acme")]
    [InlineData("""{"vendor": "Zed"}""", "Zed")]
    [InlineData("""{"vendor": 7}""", null)]
    [InlineData("""{"supplier": "Zed"}""", null)]
    public void Vendor_is_read_from_the_usual_keys(string json, string? vendor)
    {
        using var doc = JsonDocument.Parse(json);
        Assert.Equal(vendor, InvoiceDocFields.Vendor(doc.RootElement));
    }

    [Theory]
    [InlineData("""{"ItemsDesc": [{"printer": {"Quantity": 2}}]}""", "printer", "2")]
    [InlineData("""{"itemsDesc": {"Printer": 4}}""", "printer", "4")]
    [InlineData("""{"items": [{"name": "printer", "quantity": "1.5"}]}""", "printer", "1.5")]
    [InlineData("""{"items": [{"printer": {"colour": "red"}}]}""", "printer", null)]
    public void Item_lines_are_read_in_the_seeds_shape_and_the_common_ones(string json, string name, string? quantity)
    {
        using var doc = JsonDocument.Parse(json);
        var item = Assert.Single(InvoiceDocFields.Items(doc.RootElement));
        Assert.Equal(new InvoiceSearchItem(name, quantity is null ? null : decimal.Parse(quantity, System.Globalization.CultureInfo.InvariantCulture)), item);
    }
}

[Properties(Arbitrary = [typeof(ScenarioArbitrary)], MaxTest = 150, EndSize = 120)]
public class InvoiceSearchFoldProperties
{
    private static List<string> Json(IReadOnlyDictionary<string, InvoiceSearchDocument> table) =>
        [.. table.Values.OrderBy(d => d.Id, StringComparer.Ordinal).Select(d => JsonSerializer.Serialize(d))];

    [Property]
    public Property Redelivered_and_overlapping_batches_equal_each_event_once(Scenario s)
    {
        var once = InvoiceSearchFold.ApplyBatch(new Dictionary<string, InvoiceSearchDocument>(), s.Events);
        var delivered = s.Deliveries.Aggregate((IReadOnlyDictionary<string, InvoiceSearchDocument>)new Dictionary<string, InvoiceSearchDocument>(), InvoiceSearchFold.ApplyBatch);
        var twice = InvoiceSearchFold.ApplyBatch(once, s.Events);
        return (Json(once).SequenceEqual(Json(delivered)) && Json(once).SequenceEqual(Json(twice))).Label(s.ToString());
    }
}
