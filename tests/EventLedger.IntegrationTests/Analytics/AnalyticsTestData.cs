using System.Text.Json;
using EventLedger.Domain.Invoices;
using EventLedger.EventStore.Events;

namespace EventLedger.IntegrationTests.Analytics;

/// <summary>Builds stored events by hand, numbering each invoice's stream 1, 2, 3 … as the event store would.</summary>
internal sealed class EventStreams
{
    private static readonly DateTimeOffset Epoch = new(2016, 6, 6, 9, 0, 0, TimeSpan.Zero);
    private readonly Dictionary<string, long> _versions = new(StringComparer.Ordinal);
    private readonly List<StoredEvent> _all = [];

    /// <summary>All events in append order (per invoice: version order).</summary>
    public IReadOnlyList<StoredEvent> All => _all;

    public StoredEvent Append(string invoiceNumber, IInvoiceEvent data)
    {
        var version = _versions[invoiceNumber] = _versions.GetValueOrDefault(invoiceNumber) + 1;
        var (type, schemaVersion) = EventTypeMap.NameOf(data);
        var e = new StoredEvent(invoiceNumber, version, Guid.NewGuid(), type, schemaVersion, data,
            EventMetadata.New(), Epoch.AddSeconds(_all.Count));
        _all.Add(e);
        return e;
    }
}

/// <summary>The design's sample invoices, turned into events by hand from its commands (not through the decider).</summary>
internal static class SampleInvoices
{
    public static (IReadOnlyList<StoredEvent> Events, JsonElement Expected) Load()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(FindSample()));
        var streams = new EventStreams();
        var verifiers = new Dictionary<(string, string), string>();
        foreach (var c in json.RootElement.GetProperty("commands").EnumerateArray())
        {
            var invoice = c.GetProperty("invoiceNumber").GetString()!;
            var country = c.GetProperty("country").GetString()!;
            switch (c.GetProperty("command").GetString())
            {
                case "assignVerifier":
                    var verifier = c.GetProperty("verifier").GetString()!;
                    verifiers[(invoice, country)] = verifier;
                    streams.Append(invoice, new VerifierAssigned(country, verifier));
                    break;
                case "recordTransaction":
                    streams.Append(invoice, new TransactionRecorded(
                        c.GetProperty("transactionId").GetString()!,
                        c.GetProperty("amount").GetDecimal(),
                        c.GetProperty("currency").GetString()!,
                        country,
                        DateOnly.Parse(c.GetProperty("invoiceDate").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
                        c.TryGetProperty("document", out var doc) ? doc.Clone() : null,
                        verifiers.GetValueOrDefault((invoice, country))));
                    break;
                default:
                    throw new InvalidOperationException($"Unknown sample command {c}");
            }
        }

        return (streams.All, json.RootElement.GetProperty("expected").Clone());
    }

    private static string FindSample()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "samples", "sample-invoices.json");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FileNotFoundException("samples/sample-invoices.json not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>
/// A seeded random workload obeying the domain rules (unique transaction ids per invoice, one currency per invoice,
/// adjust/void only live transactions), and an independent reference fold of it written with plain LINQ.
/// </summary>
internal static class RandomWorkload
{
    private static readonly string[] Countries = ["USA", "UK", "China", "France"];
    private static readonly string[] Currencies = ["USD", "EUR", "GBP"];
    private static readonly DateOnly FirstDay = new(2016, 6, 1);

    public static IReadOnlyList<StoredEvent> Generate(int seed, int invoiceCount, int eventCount)
    {
        var random = new Random(seed);
        var streams = new EventStreams();
        var invoices = Enumerable.Range(0, invoiceCount).Select(i => $"INV-{seed}-{i:D4}").ToArray();
        var currency = invoices.ToDictionary(i => i, _ => Currencies[random.Next(Currencies.Length)]);
        var live = invoices.ToDictionary(i => i, _ => new List<TransactionRecorded>());
        var verifiers = new Dictionary<(string, string), string>();
        var next = 0;

        while (streams.All.Count < eventCount)
        {
            var invoice = invoices[random.Next(invoices.Length)];
            var roll = random.Next(100);
            var transactions = live[invoice];
            if (roll < 50 || transactions.Count == 0)
            {
                var country = Countries[random.Next(Countries.Length)];
                var recorded = new TransactionRecorded($"T{next++:D6}", Amount(random), currency[invoice], country,
                    FirstDay.AddDays(random.Next(6)), null, verifiers.GetValueOrDefault((invoice, country)));
                transactions.Add(recorded);
                streams.Append(invoice, recorded);
            }
            else if (roll < 75)
            {
                var index = random.Next(transactions.Count);
                var t = transactions[index];
                var amount = Amount(random);
                streams.Append(invoice, new TransactionAdjusted(t.TransactionId, amount, t.Amount, t.Currency, t.Country, t.InvoiceDate, null));
                transactions[index] = t with { Amount = amount };
            }
            else if (roll < 90)
            {
                var index = random.Next(transactions.Count);
                var t = transactions[index];
                streams.Append(invoice, new TransactionVoided(t.TransactionId, t.Amount, t.Currency, t.Country, t.InvoiceDate, t.Verifier, "test"));
                transactions.RemoveAt(index);
            }
            else
            {
                var country = Countries[random.Next(Countries.Length)];
                if (verifiers.Remove((invoice, country), out var previous))
                {
                    streams.Append(invoice, new VerifierUnassigned(country, previous));
                }
                else
                {
                    verifiers[(invoice, country)] = $"owner{random.Next(3)}@example.com";
                    streams.Append(invoice, new VerifierAssigned(country, verifiers[(invoice, country)]));
                }
            }
        }

        return streams.All;
    }

    /// <summary>Up to 4 decimal places; zero and negative amounts included.</summary>
    private static decimal Amount(Random random) => random.Next(10) switch
    {
        0 => 0m,
        1 => -random.Next(1, 50_000) / 100m,
        _ => random.Next(0, 100_000_000) / 10_000m,
    };

    /// <summary>Live transactions after all events, by replaying them in order into a dictionary.</summary>
    public static IReadOnlyList<(string Invoice, string Currency, string Country, DateOnly Day, decimal Amount)> LiveTransactions(
        IEnumerable<StoredEvent> events)
    {
        var state = new Dictionary<(string, string), (string Currency, string Country, DateOnly Day, decimal Amount)>();
        foreach (var e in events.OrderBy(e => e.StreamId, StringComparer.Ordinal).ThenBy(e => e.Version))
        {
            switch (e.Data)
            {
                case TransactionRecorded r:
                    state.Add((e.StreamId, r.TransactionId), (r.Currency, r.Country, r.InvoiceDate, r.Amount));
                    break;
                case TransactionAdjusted a:
                    state[(e.StreamId, a.TransactionId)] = state[(e.StreamId, a.TransactionId)] with { Amount = a.NewAmount };
                    break;
                case TransactionVoided v:
                    state.Remove((e.StreamId, v.TransactionId));
                    break;
            }
        }

        return state.Select(kv => (kv.Key.Item1, kv.Value.Currency, kv.Value.Country, kv.Value.Day, kv.Value.Amount)).ToList();
    }
}
