using System.Text.Json;
using EventLedger.Domain.Invoices;
using EventLedger.EventStore.Events;
using EventLedger.Projections.Tests.Support;

namespace EventLedger.IntegrationTests.Search;

/// <summary>
/// A transaction as the test sent it: the structured facts its document was generated from, and its current amount and
/// status. Queries are checked against a plain LINQ filter over these, not against anything the read model computes.
/// </summary>
public sealed record SentTransaction(
    string InvoiceNumber, string TransactionId, decimal Amount, string Currency, string Country, string Status,
    string? Vendor, IReadOnlyList<(string Name, int Quantity)> Items)
{
    public string Id => $"{InvoiceNumber}/{TransactionId}";
}

/// <summary>The seed's sample plus a seeded workload: realistic documents (vendors, item lines), adjustments and voids.</summary>
public static class SearchTestData
{
    private static readonly string[] ItemNames = ["printer", "desktops", "laptops", "monitor", "keyboard", "scanner"];
    private static readonly string[] Countries = ["USA", "UK", "China", "Germany"];

    public static (IReadOnlyList<StoredEvent> Events, IReadOnlyDictionary<string, SentTransaction> Sent) Generate(int seed, int transactions)
    {
        var random = new Random(seed);
        var log = new EventLog();
        var sent = new Dictionary<string, SentTransaction>(StringComparer.Ordinal);

        // The seed's own invoices first (Client1_… in 1212121 with the Vendor1 Inc document).
        foreach (var e in SampleInvoices.Events())
        {
            log.Append(e.StreamId, e.Data);
            if (e.Data is TransactionRecorded r)
            {
                var sample = r.Document is { } d
                    ? (Vendor: "Vendor1 Inc", Items: (IReadOnlyList<(string, int)>)[("laptops", 2), ("desktops", 1), ("printer", 2)])
                    : (Vendor: (string?)null, Items: []);
                Add(new SentTransaction(e.StreamId, r.TransactionId, r.Amount, r.Currency, r.Country, "live", sample.Vendor, sample.Items));
            }
        }

        for (var i = 0; i < transactions; i++)
        {
            var invoice = $"INV-{random.Next(1, 1 + Math.Max(1, transactions / 8)):D4}";
            var client = random.Next(1, 6);
            var transactionId = $"Client{client}_trans{i:D5}";
            var country = Countries[random.Next(Countries.Length)];
            var amount = random.Next(1, 5000);
            string? vendor = random.Next(10) == 0 ? null : $"Vendor{random.Next(1, 40)} {(random.Next(2) == 0 ? "Inc" : "GmbH")}";
            var items = ItemNames.OrderBy(_ => random.Next()).Take(random.Next(0, 4)).Select(n => (n, random.Next(1, 5))).ToList();
            var document = vendor is null && items.Count == 0 ? (JsonElement?)null : Document(vendor, items, random.Next(3));
            log.On(invoice).Record(transactionId, amount, country, document: document);
            Add(new SentTransaction(invoice, transactionId, amount, "USD", country, "live", vendor, items));
            var roll = random.Next(10);
            if (roll < 2)
            {
                var adjusted = amount + random.Next(-50, 50);
                log.On(invoice).Adjust(transactionId, adjusted);
                Add(sent[$"{invoice}/{transactionId}"] with { Amount = adjusted });
            }
            else if (roll == 2)
            {
                log.On(invoice).Void(transactionId);
                Add(sent[$"{invoice}/{transactionId}"] with { Status = "voided" });
            }
        }

        return (log.Events, sent);

        void Add(SentTransaction t) => sent[t.Id] = t;
    }

    /// <summary>The document in one of the shapes the read model accepts: the seed's, camelCase keys, or name/quantity lines.</summary>
    private static JsonElement Document(string? vendor, IReadOnlyList<(string Name, int Quantity)> items, int shape)
    {
        var doc = new Dictionary<string, object?>();
        switch (shape)
        {
            case 0:
                if (vendor is not null) doc["Vendor Name"] = vendor;
                doc["NumberofItems"] = items.Sum(i => i.Quantity).ToString(System.Globalization.CultureInfo.InvariantCulture);
                doc["ItemsDesc"] = new[] { items.ToDictionary(i => i.Name, i => (object)new Dictionary<string, int> { ["Quantity"] = i.Quantity }) };
                break;
            case 1:
                if (vendor is not null) doc["vendorName"] = vendor;
                doc["itemsDesc"] = items.ToDictionary(i => i.Name, i => (object)i.Quantity);
                break;
            default:
                if (vendor is not null) doc["vendor"] = vendor;
                doc["items"] = items.Select(i => new { name = i.Name, quantity = i.Quantity }).ToArray();
                break;
        }

        return JsonSerializer.SerializeToElement(doc);
    }
}
