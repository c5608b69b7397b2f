using System.Text.Json;
using EventLedger.Domain.Invoices;
using EventLedger.EventStore.Events;

namespace EventLedger.Benchmarks.Scenarios;

/// <summary>
/// A skewed, valid event history generated in memory through <see cref="InvoiceDecider.Decide"/>/<see cref="InvoiceDecider.Evolve(InvoiceHead, IInvoiceEvent)"/>:
/// a few hot invoices get <see cref="HotShare"/> of all events (thousands of transactions each), the rest go to many cold
/// invoices, each active for a short burst (a pool of <see cref="ActiveColdInvoices"/> at a time, ~1–20 events each),
/// the way real traffic arrives. Mix: ~70% records, ~12% adjustments, ~8% voids, ~10% verifier changes.
/// Events are returned in global (stream) order; versions are 1..n per invoice.
/// </summary>
public sealed class SkewedEventGenerator(int seed = 42)
{
    public const int HotInvoices = 4;
    public const double HotShare = 0.2;
    public const int ActiveColdInvoices = 64;

    private static readonly string[] Countries = ["USA", "DEU", "FRA", "GBR", "JPN", "BRA", "IND"];
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 8, 0, 0, TimeSpan.Zero);
    private static readonly JsonElement Doc = JsonDocument.Parse("""{"vendor":"ACME","lines":[{"sku":"A-1","qty":2}]}""").RootElement.Clone();

    private readonly Random _random = new(seed);

    public int InvoiceCount { get; private set; }

    public List<StoredEvent> Generate(int count) => [.. Stream(count)];

    /// <summary>The same history, produced lazily (for a million events without holding them all).</summary>
    public IEnumerable<StoredEvent> Stream(int count)
    {
        var produced = 0;
        var hot = Enumerable.Range(0, HotInvoices).Select(i => NewInvoice($"hot-{i:D2}", int.MaxValue, Countries.Length)).ToList();
        var cold = new List<Invoice>();
        var nextCold = 0;
        for (var i = 0; i < ActiveColdInvoices; i++)
        {
            cold.Add(NewInvoice($"cold-{nextCold++:D6}", _random.Next(1, 21), _random.Next(1, 3)));
        }

        while (produced < count)
        {
            Invoice invoice;
            var coldSlot = -1;
            if (_random.NextDouble() < HotShare)
            {
                invoice = hot[_random.Next(hot.Count)];
            }
            else
            {
                coldSlot = _random.Next(cold.Count);
                invoice = cold[coldSlot];
            }

            yield return Next(invoice, produced++);
            if (coldSlot >= 0 && invoice.Head.Version >= invoice.Target)
            {
                cold[coldSlot] = NewInvoice($"cold-{nextCold++:D6}", _random.Next(1, 21), _random.Next(1, 3));
            }

            InvoiceCount = HotInvoices + nextCold;
        }
    }

    private Invoice NewInvoice(string number, int target, int countries)
    {
        var offset = _random.Next(Countries.Length);
        return new Invoice(number, target, [.. Enumerable.Range(0, countries).Select(c => Countries[(offset + c) % Countries.Length])],
            _random.Next(4) == 0 ? "EUR" : "USD");
    }

    private StoredEvent Next(Invoice invoice, int index)
    {
        var roll = _random.NextDouble();
        var country = invoice.Countries[_random.Next(invoice.Countries.Length)];
        InvoiceCommand command;
        if (invoice.Live.Count == 0 || roll < 0.70)
        {
            var amount = _random.Next(20) == 0 ? 0m : Math.Round((decimal)(_random.NextDouble() * 1000 - 50), 2);
            command = new RecordTransaction(invoice.Number, $"tx-{invoice.Transactions.Count:D5}", amount, invoice.Currency, country,
                new DateOnly(2026, 1, 1).AddDays(_random.Next(60)), _random.Next(10) == 0 ? Doc : null);
        }
        else if (roll < 0.82)
        {
            command = new AdjustTransaction(invoice.Number, invoice.Live[_random.Next(invoice.Live.Count)], Math.Round((decimal)(_random.NextDouble() * 900), 2), "bench");
        }
        else if (roll < 0.90)
        {
            command = new VoidTransaction(invoice.Number, invoice.Live[_random.Next(invoice.Live.Count)], "bench");
        }
        else
        {
            command = invoice.Head.VerifierOf(country) is not null && _random.Next(2) == 0
                ? new UnassignVerifier(invoice.Number, country)
                : new AssignVerifier(invoice.Number, country, $"verifier-{index}");
        }

        var transactionId = command switch
        {
            RecordTransaction c => c.TransactionId,
            AdjustTransaction c => c.TransactionId,
            VoidTransaction c => c.TransactionId,
            _ => null,
        };
        var tx = transactionId is null ? null : invoice.Transactions.GetValueOrDefault(transactionId);
        var decided = InvoiceDecider.Decide(new DecisionContext(invoice.Number, invoice.Head, tx), command);
        var e = decided.Single();
        var (type, schema) = EventTypeMap.NameOf(e);
        var stored = new StoredEvent(invoice.Number, invoice.Head.Version + 1, Guid.CreateVersion7(), type, schema, e,
            EventMetadata.New($"bench-{index}", "bench"), Start.AddMilliseconds(index * 7));
        invoice.Head = InvoiceDecider.Evolve(invoice.Head, e);
        if (transactionId is not null)
        {
            var next = InvoiceDecider.Evolve(tx, e)!;
            invoice.Transactions[transactionId] = next;
            if (tx is null)
            {
                invoice.LiveIndex[transactionId] = invoice.Live.Count;
                invoice.Live.Add(transactionId);
            }
            else if (next.Voided && invoice.LiveIndex.Remove(transactionId, out var at))
            {
                // swap-remove: hot invoices hold tens of thousands of live transactions
                var last = invoice.Live[^1];
                invoice.Live[at] = last;
                invoice.LiveIndex[last] = at;
                invoice.Live.RemoveAt(invoice.Live.Count - 1);
                invoice.LiveIndex.Remove(transactionId);
            }
        }

        return stored;
    }

    private sealed class Invoice(string number, int target, string[] countries, string currency)
    {
        public string Number { get; } = number;
        public int Target { get; } = target;
        public string[] Countries { get; } = countries;
        public string Currency { get; } = currency;
        public InvoiceHead Head { get; set; } = InvoiceHead.Empty;
        public Dictionary<string, TransactionState> Transactions { get; } = new(StringComparer.Ordinal);
        public List<string> Live { get; } = [];
        public Dictionary<string, int> LiveIndex { get; } = new(StringComparer.Ordinal);
    }
}
