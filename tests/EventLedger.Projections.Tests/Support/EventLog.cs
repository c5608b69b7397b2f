using System.Text.Json;
using EventLedger.Domain.Invoices;
using EventLedger.EventStore.Events;

namespace EventLedger.Projections.Tests.Support;

/// <summary>
/// Builds stored events by hand, across invoices, in append order (what the stream or a replay would deliver):
/// versions 1..n per invoice, deterministic ids and timestamps. The convenience methods fill in the facts an event
/// carries (previous amount, the verifier at record time, …) from what was appended before, as the decider would.
/// </summary>
public sealed class EventLog
{
    public static readonly DateOnly SampleDate = new(2016, 6, 6);
    private static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly List<StoredEvent> _events = [];
    private readonly Dictionary<string, Invoice> _invoices = new(StringComparer.Ordinal);

    public IReadOnlyList<StoredEvent> Events => _events;

    public InvoiceBuilder On(string invoiceNumber) => new(this, invoiceNumber);

    /// <summary>Appends an event exactly as given.</summary>
    public StoredEvent Append(string invoiceNumber, IInvoiceEvent data)
    {
        var invoice = InvoiceOf(invoiceNumber);
        invoice.Version++;
        Track(invoice, data);
        var (type, schema) = EventTypeMap.NameOf(data);
        var e = new StoredEvent(invoiceNumber, invoice.Version, IdOf(invoiceNumber, invoice.Version), type, schema, data,
            new EventMetadata($"cmd-{invoiceNumber}-{invoice.Version}", $"corr-{invoiceNumber}", $"cmd-{invoiceNumber}-{invoice.Version}", "tests"),
            Epoch.AddMilliseconds(_events.Count + 1));
        _events.Add(e);
        return e;
    }

    /// <summary>The model's truth, for properties: every transaction of an invoice (id → amount, country, verifier at record time, voided).</summary>
    public IReadOnlyDictionary<string, (decimal Amount, string Country, string? VerifiedBy, bool Voided)> TransactionsOf(string invoiceNumber) =>
        InvoiceOf(invoiceNumber).Transactions;

    public IReadOnlyDictionary<string, string> VerifiersOf(string invoiceNumber) => InvoiceOf(invoiceNumber).Verifiers;

    /// <summary>Invoices with at least one event.</summary>
    public IEnumerable<string> Invoices => _invoices.Where(kv => kv.Value.Version > 0).Select(kv => kv.Key);

    private Invoice InvoiceOf(string invoiceNumber)
    {
        if (!_invoices.TryGetValue(invoiceNumber, out var invoice))
        {
            _invoices[invoiceNumber] = invoice = new Invoice();
        }

        return invoice;
    }

    private static void Track(Invoice invoice, IInvoiceEvent data)
    {
        switch (data)
        {
            case TransactionRecorded r:
                invoice.Transactions[r.TransactionId] = (r.Amount, r.Country, r.Verifier, false);
                invoice.Currency ??= r.Currency;
                break;
            case TransactionAdjusted a:
                invoice.Transactions[a.TransactionId] = invoice.Transactions[a.TransactionId] with { Amount = a.NewAmount };
                break;
            case TransactionVoided v:
                invoice.Transactions[v.TransactionId] = invoice.Transactions[v.TransactionId] with { Voided = true };
                break;
            case VerifierAssigned a:
                invoice.Verifiers[a.Country] = a.Verifier;
                break;
            case VerifierUnassigned u:
                invoice.Verifiers.Remove(u.Country);
                break;
        }
    }

    private static Guid IdOf(string invoiceNumber, long version)
    {
        // Deterministic, so that two logs built alike hold equal events.
        var bytes = new byte[16];
        BitConverter.TryWriteBytes(bytes.AsSpan(0, 8), version);
        ulong hash = 14695981039346656037;
        foreach (var c in invoiceNumber)
        {
            hash = (hash ^ c) * 1099511628211;
        }

        BitConverter.TryWriteBytes(bytes.AsSpan(8, 8), hash);
        return new Guid(bytes);
    }

    private sealed class Invoice
    {
        public long Version { get; set; }
        public string? Currency { get; set; }
        public Dictionary<string, (decimal Amount, string Country, string? VerifiedBy, bool Voided)> Transactions { get; } = new(StringComparer.Ordinal);
        public Dictionary<string, string> Verifiers { get; } = new(StringComparer.Ordinal);
    }

    /// <summary>Fluent appends to one invoice.</summary>
    public sealed class InvoiceBuilder(EventLog log, string invoiceNumber)
    {
        public string InvoiceNumber => invoiceNumber;

        public InvoiceBuilder Assign(string country, string verifier) => Then(new VerifierAssigned(country, verifier));

        public InvoiceBuilder Unassign(string country) =>
            Then(new VerifierUnassigned(country, log.InvoiceOf(invoiceNumber).Verifiers[country]));

        public InvoiceBuilder Record(string transactionId, decimal amount, string country, string currency = "USD",
            DateOnly? invoiceDate = null, JsonElement? document = null) =>
            Then(new TransactionRecorded(transactionId, amount, currency, country, invoiceDate ?? SampleDate, document,
                log.InvoiceOf(invoiceNumber).Verifiers.GetValueOrDefault(country)));

        public InvoiceBuilder Adjust(string transactionId, decimal newAmount)
        {
            var tx = log.InvoiceOf(invoiceNumber).Transactions[transactionId];
            return Then(new TransactionAdjusted(transactionId, newAmount, tx.Amount, CurrencyOf(), tx.Country, SampleDate, "adjusted"));
        }

        public InvoiceBuilder Void(string transactionId)
        {
            var tx = log.InvoiceOf(invoiceNumber).Transactions[transactionId];
            return Then(new TransactionVoided(transactionId, tx.Amount, CurrencyOf(), tx.Country, SampleDate, tx.VerifiedBy, "voided"));
        }

        private string CurrencyOf() => log.InvoiceOf(invoiceNumber).Currency ?? "USD";

        private InvoiceBuilder Then(IInvoiceEvent data)
        {
            log.Append(invoiceNumber, data);
            return this;
        }
    }
}
