using Parquet.Schema;

namespace EventLedger.Archive.Format;

/// <summary>
/// The archive's Parquet schema, version 1: one row per event, in stream order. Fixed and documented (README, "Archive"):
/// a column is never renamed or retyped; a new column means schema version 2 in new objects, and readers union by name.
/// The transaction's fields are flattened where the event has them, so ad hoc SQL needs no JSON; payload and metadata keep
/// the whole event.
/// </summary>
internal static class ArchiveSchema
{
    /// <summary>Written into every object's key-value metadata as <c>eventledger.archive.schema</c>.</summary>
    public const int Version = 1;

    public const string SchemaVersionKey = "eventledger.archive.schema";

    /// <summary>The invoice (stream id).</summary>
    public static readonly DataField<string> StreamId = new("stream_id", false);

    /// <summary>The event's version in its stream (1, 2, 3 … with no gaps).</summary>
    public static readonly DataField<long> StreamVersion = new("version", false);

    public static readonly DataField<string> EventId = new("event_id", false);

    /// <summary>Stable stored type name, e.g. <c>TransactionRecorded</c>.</summary>
    public static readonly DataField<string> EventType = new("event_type", false);

    /// <summary>The payload's schema version for that type.</summary>
    public static readonly DataField<int> EventSchemaVersion = new("schema_version", false);

    /// <summary>When the event was appended, UTC, in nanoseconds (the event store's 100 ns ticks, exactly).</summary>
    public static readonly DateTimeDataField RecordedAt = new("recorded_at", DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Nanos, isNullable: false);

    public static readonly DataField<string> TransactionId = new("transaction_id", true);

    /// <summary>Recorded: the amount; adjusted: the new amount; voided: the amount voided.</summary>
    public static readonly DecimalDataField Amount = new("amount", 18, 4, isNullable: true);

    /// <summary>Adjusted: the amount before.</summary>
    public static readonly DecimalDataField PreviousAmount = new("previous_amount", 18, 4, isNullable: true);

    public static readonly DataField<string> Currency = new("currency", true);

    public static readonly DataField<string> Country = new("country", true);

    public static readonly DataField<DateOnly> InvoiceDate = new("invoice_date", true);

    /// <summary>The verifier the event names: assigned, unassigned (the previous one), recorded under, or voided from.</summary>
    public static readonly DataField<string> Verifier = new("verifier", true);

    /// <summary>The event's payload as the event store holds it (JSON).</summary>
    public static readonly DataField<string> Payload = new("payload", false);

    /// <summary><c>{commandId, correlationId, causationId, actor}</c> as JSON (absent values left out).</summary>
    public static readonly DataField<string> Metadata = new("metadata", false);

    public static readonly ParquetSchema Schema = new(
        StreamId, StreamVersion, EventId, EventType, EventSchemaVersion, RecordedAt,
        TransactionId, Amount, PreviousAmount, Currency, Country, InvoiceDate, Verifier, Payload, Metadata);
}
