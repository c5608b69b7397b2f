using System.Globalization;
using System.Text.Json;
using EventLedger.Domain.Invoices;
using EventLedger.EventStore.Events;

namespace EventLedger.Archive.Format;

/// <summary>Events as the archive's columns (one array per column), and back.</summary>
internal sealed class ArchiveRows
{
    private static readonly JsonSerializerOptions MetadataJson = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public ArchiveRows(int count)
    {
        StreamIds = new string[count];
        Versions = new long[count];
        EventIds = new string[count];
        EventTypes = new string[count];
        SchemaVersions = new int[count];
        RecordedAt = new DateTime[count];
        TransactionIds = new string?[count];
        Amounts = new decimal?[count];
        PreviousAmounts = new decimal?[count];
        Currencies = new string?[count];
        Countries = new string?[count];
        InvoiceDates = new DateOnly?[count];
        Verifiers = new string?[count];
        Payloads = new string[count];
        Metadata = new string[count];
    }

    public int Count => StreamIds.Length;
    public string[] StreamIds { get; }
    public long[] Versions { get; }
    public string[] EventIds { get; }
    public string[] EventTypes { get; }
    public int[] SchemaVersions { get; }
    public DateTime[] RecordedAt { get; }
    public string?[] TransactionIds { get; }
    public decimal?[] Amounts { get; }
    public decimal?[] PreviousAmounts { get; }
    public string?[] Currencies { get; }
    public string?[] Countries { get; }
    public DateOnly?[] InvoiceDates { get; }
    public string?[] Verifiers { get; }
    public string[] Payloads { get; }
    public string[] Metadata { get; }

    public static ArchiveRows From(IReadOnlyList<StoredEvent> events)
    {
        var rows = new ArchiveRows(events.Count);
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i];
            rows.StreamIds[i] = e.StreamId;
            rows.Versions[i] = e.Version;
            rows.EventIds[i] = e.EventId.ToString();
            rows.EventTypes[i] = e.EventType;
            rows.SchemaVersions[i] = e.SchemaVersion;
            rows.RecordedAt[i] = e.RecordedAt.UtcDateTime;
            rows.Payloads[i] = EventTypeMap.Serialize(e.Data);
            rows.Metadata[i] = JsonSerializer.Serialize(e.Metadata, MetadataJson);
            switch (e.Data)
            {
                case TransactionRecorded r:
                    rows.Transaction(i, r.TransactionId, r.Amount, null, r.Currency, r.Country, r.InvoiceDate, r.Verifier);
                    break;
                case TransactionAdjusted a:
                    rows.Transaction(i, a.TransactionId, a.NewAmount, a.PreviousAmount, a.Currency, a.Country, a.InvoiceDate, null);
                    break;
                case TransactionVoided v:
                    rows.Transaction(i, v.TransactionId, v.Amount, null, v.Currency, v.Country, v.InvoiceDate, v.VerifiedBy);
                    break;
                case VerifierAssigned assigned:
                    (rows.Countries[i], rows.Verifiers[i]) = (assigned.Country, assigned.Verifier);
                    break;
                case VerifierUnassigned unassigned:
                    (rows.Countries[i], rows.Verifiers[i]) = (unassigned.Country, unassigned.PreviousVerifier);
                    break;
            }
        }

        return rows;
    }

    /// <summary>The event in row <paramref name="i"/>, as the event store holds it.</summary>
    public StoredEvent ToEvent(int i)
    {
        var metadata = JsonSerializer.Deserialize<EventMetadata>(Metadata[i], MetadataJson)
            ?? throw new InvalidDataException($"Row {i} ({StreamIds[i]}/{Versions[i]}) has no metadata.");
        return new StoredEvent(
            StreamIds[i],
            Versions[i],
            Guid.Parse(EventIds[i], CultureInfo.InvariantCulture),
            EventTypes[i],
            SchemaVersions[i],
            EventTypeMap.Deserialize(EventTypes[i], SchemaVersions[i], Payloads[i]),
            metadata with { CorrelationId = metadata.CorrelationId ?? string.Empty },
            new DateTimeOffset(DateTime.SpecifyKind(RecordedAt[i], DateTimeKind.Utc)));
    }

    private void Transaction(int i, string transactionId, decimal amount, decimal? previous, string currency, string country, DateOnly date, string? verifier)
    {
        TransactionIds[i] = transactionId;
        Amounts[i] = amount;
        PreviousAmounts[i] = previous;
        Currencies[i] = currency;
        Countries[i] = country;
        InvoiceDates[i] = date;
        Verifiers[i] = verifier;
    }
}
