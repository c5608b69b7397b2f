using System.Text.Json;
using EventLedger.Domain.Invoices;
using EventLedger.EventStore.Events;

namespace EventLedger.Projections.Tests.Support;

/// <summary>
/// The events the sample's commands (samples/sample-invoices.json) produce, written out by hand in command order, and the
/// sample's expected read-model values read from the file.
/// </summary>
public static class SampleInvoices
{
    public static IReadOnlyList<StoredEvent> Events()
    {
        var log = new EventLog();
        var date = EventLog.SampleDate;
        using var doc = JsonDocument.Parse("""
            { "Vendor Name": "Vendor1 Inc", "NumberofItems": "5",
              "ItemsDesc": [ { "laptops": { "Quantity": 2 }, "desktops": { "Quantity": 1 }, "printer": { "Quantity": 2 } } ] }
            """);
        log.Append("1212121", new VerifierAssigned("USA", "admin@com"));
        log.Append("1212121", new TransactionRecorded("Client1_trans1xxxx", 100m, "USD", "USA", date, doc.RootElement.Clone(), "admin@com"));
        log.Append("1212121", new TransactionRecorded("Client1_trans2xxxx", 500m, "USD", "USA", date, null, "admin@com"));
        log.Append("1212122", new VerifierAssigned("UK", "admin@co.uk"));
        log.Append("1212122", new TransactionRecorded("Client2_trans1xxx", 200m, "USD", "UK", date, null, "admin@co.uk"));
        log.Append("1212121", new TransactionRecorded("Client2_trans1xxxx", 500m, "USD", "China", date, null, null));
        log.Append("1212123", new TransactionRecorded("Client3_trans1xxx", 1000m, "USD", "USA", date, null, null));
        return log.Events;
    }

    public sealed record ExpectedTotals(string InvoiceNumber, decimal Total, string Currency, long TransactionCount);

    public sealed record ExpectedCountry(string InvoiceNumber, string Country, string? Verifier, long TransactionCount, long VerifiedTransactionCount);

    public static IReadOnlyList<ExpectedTotals> ExpectedInvoiceTotals() =>
        Expected().GetProperty("invoice-totals").Deserialize<List<ExpectedTotals>>(Json)!;

    public static IReadOnlyList<ExpectedCountry> ExpectedCountryCounts() =>
        Expected().GetProperty("country-counts").Deserialize<List<ExpectedCountry>>(Json)!;

    /// <summary>The sample's begins_with expectation: (invoice, prefix, transaction ids).</summary>
    public static (string InvoiceNumber, string Prefix, IReadOnlyList<string> TransactionIds) ExpectedPrefixQuery()
    {
        var property = Expected().EnumerateObject().Single(p => p.Name.StartsWith("invoice-transactions ", StringComparison.Ordinal));
        var words = property.Name.Split(' '); // "invoice-transactions 1212121 prefix Client1_"
        return (words[1], words[3], property.Value.Deserialize<List<string>>()!);
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static JsonElement Expected()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "samples", "sample-invoices.json");
        using var file = JsonDocument.Parse(File.ReadAllText(path));
        return file.RootElement.GetProperty("expected").Clone();
    }
}
