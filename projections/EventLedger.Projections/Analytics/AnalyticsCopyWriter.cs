using Npgsql;
using NpgsqlTypes;

namespace EventLedger.Projections.Analytics;

/// <summary>
/// Writes folded analytics rows with binary COPY: facts, transaction states and applied invoice versions, each into a
/// table named by the caller (the read model's own table, or a staging table with the same columns).
/// </summary>
internal static class AnalyticsCopyWriter
{
    public static async Task CopyFactsAsync(NpgsqlConnection connection, string table, IReadOnlyList<FactRow> facts, CancellationToken ct)
    {
        if (facts.Count == 0) return;
        await using var copy = await connection.BeginBinaryImportAsync($"copy {table} ({AnalyticsSql.FactColumns}) from stdin (format binary)", ct);
        foreach (var f in facts)
        {
            await copy.StartRowAsync(ct);
            await copy.WriteAsync(f.InvoiceNumber, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(f.Version, NpgsqlDbType.Bigint, ct);
            await copy.WriteAsync(f.EventId, NpgsqlDbType.Uuid, ct);
            await copy.WriteAsync(f.EventType, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(f.TransactionId, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(f.Amount, NpgsqlDbType.Numeric, ct);
            await copy.WriteAsync(f.AmountDelta, NpgsqlDbType.Numeric, ct);
            await copy.WriteAsync(f.CountDelta, NpgsqlDbType.Smallint, ct);
            await copy.WriteAsync(f.Currency, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(f.Country, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(f.InvoiceDate, NpgsqlDbType.Date, ct);
            await copy.WriteAsync(f.RecordedAt.UtcDateTime, NpgsqlDbType.TimestampTz, ct);
        }

        await copy.CompleteAsync(ct);
    }

    public static async Task CopyTransactionsAsync(NpgsqlConnection connection, string table, IReadOnlyList<TransactionRow> transactions, CancellationToken ct)
    {
        if (transactions.Count == 0) return;
        await using var copy = await connection.BeginBinaryImportAsync($"copy {table} ({AnalyticsSql.TransactionColumns}) from stdin (format binary)", ct);
        foreach (var t in transactions)
        {
            await copy.StartRowAsync(ct);
            await copy.WriteAsync(t.InvoiceNumber, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(t.TransactionId, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(t.Amount, NpgsqlDbType.Numeric, ct);
            await copy.WriteAsync(t.Currency, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(t.Country, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(t.InvoiceDate, NpgsqlDbType.Date, ct);
            await copy.WriteAsync(t.Status, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(t.LastVersion, NpgsqlDbType.Bigint, ct);
        }

        await copy.CompleteAsync(ct);
    }

    public static async Task CopyInvoicesAsync(NpgsqlConnection connection, string table, IReadOnlyList<InvoiceVersion> invoices, CancellationToken ct)
    {
        if (invoices.Count == 0) return;
        await using var copy = await connection.BeginBinaryImportAsync($"copy {table} (invoice_number, applied_version) from stdin (format binary)", ct);
        foreach (var i in invoices)
        {
            await copy.StartRowAsync(ct);
            await copy.WriteAsync(i.InvoiceNumber, NpgsqlDbType.Text, ct);
            await copy.WriteAsync(i.AppliedVersion, NpgsqlDbType.Bigint, ct);
        }

        await copy.CompleteAsync(ct);
    }
}
