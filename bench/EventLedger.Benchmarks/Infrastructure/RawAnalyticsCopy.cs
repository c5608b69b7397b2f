using EventLedger.Domain.Invoices;
using EventLedger.EventStore.Events;
using Npgsql;
using NpgsqlTypes;

namespace EventLedger.Benchmarks.Infrastructure;

/// <summary>
/// The ceiling for analytics writes: the read model's final rows (facts, transaction states, invoice versions), computed
/// in memory from the events, written with raw binary COPY into a migrated schema — no fold, no guards, no staging.
/// </summary>
public static class RawAnalyticsCopy
{
    public sealed record Rows(List<StoredEvent> Facts, List<(StoredEvent Last, TransactionState State)> Transactions, List<(string Invoice, long Version, DateTimeOffset At)> Invoices);

    public static Rows RowsOf(List<StoredEvent> events)
    {
        var facts = events.Where(e => InvoiceDecider.TransactionIdOf(e.Data) is not null).ToList();
        var states = new Dictionary<(string, string), (StoredEvent Last, TransactionState State)>();
        foreach (var e in facts)
        {
            var key = (e.StreamId, InvoiceDecider.TransactionIdOf(e.Data)!);
            var current = states.TryGetValue(key, out var s) ? s.State : null;
            states[key] = (e, InvoiceDecider.Evolve(current, e.Data)!);
        }

        var invoices = events.GroupBy(e => e.StreamId).Select(g => (g.Key, g.Max(e => e.Version), g.MaxBy(e => e.Version)!.RecordedAt)).ToList();
        return new Rows(facts, [.. states.Values], invoices);
    }

    public static async Task CopyAsync(NpgsqlConnection conn, string schema, Rows rows, CancellationToken ct)
    {
        await using (var copy = await conn.BeginBinaryImportAsync(
            $"copy {schema}.facts (invoice_number, version, event_id, event_type, transaction_id, amount, amount_delta, count_delta, currency, country, invoice_date, recorded_at) from stdin (format binary)", ct))
        {
            foreach (var e in rows.Facts)
            {
                var (txId, amount, delta, count, currency, country, date) = e.Data switch
                {
                    TransactionRecorded r => (r.TransactionId, r.Amount, r.Amount, (short)1, r.Currency, r.Country, r.InvoiceDate),
                    TransactionAdjusted a => (a.TransactionId, a.NewAmount, a.NewAmount - a.PreviousAmount, (short)0, a.Currency, a.Country, a.InvoiceDate),
                    TransactionVoided v => (v.TransactionId, v.Amount, -v.Amount, (short)-1, v.Currency, v.Country, v.InvoiceDate),
                    _ => throw new InvalidOperationException(),
                };
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(e.StreamId, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(e.Version, NpgsqlDbType.Bigint, ct);
                await copy.WriteAsync(e.EventId, NpgsqlDbType.Uuid, ct);
                await copy.WriteAsync(e.EventType, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(txId, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(amount, NpgsqlDbType.Numeric, ct);
                await copy.WriteAsync(delta, NpgsqlDbType.Numeric, ct);
                await copy.WriteAsync(count, NpgsqlDbType.Smallint, ct);
                await copy.WriteAsync(currency, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(country, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(date, NpgsqlDbType.Date, ct);
                await copy.WriteAsync(e.RecordedAt.UtcDateTime, NpgsqlDbType.TimestampTz, ct);
            }

            await copy.CompleteAsync(ct);
        }

        await using (var copy = await conn.BeginBinaryImportAsync(
            $"copy {schema}.transactions (invoice_number, transaction_id, amount, currency, country, invoice_date, status, last_version) from stdin (format binary)", ct))
        {
            foreach (var (last, state) in rows.Transactions)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(last.StreamId, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(state.TransactionId, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(state.Amount, NpgsqlDbType.Numeric, ct);
                await copy.WriteAsync(last.Data switch { TransactionRecorded r => r.Currency, TransactionAdjusted a => a.Currency, TransactionVoided v => v.Currency, _ => "" }, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(state.Country, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(state.InvoiceDate, NpgsqlDbType.Date, ct);
                await copy.WriteAsync(state.Voided ? "voided" : "live", NpgsqlDbType.Text, ct);
                await copy.WriteAsync(last.Version, NpgsqlDbType.Bigint, ct);
            }

            await copy.CompleteAsync(ct);
        }

        await using (var copy = await conn.BeginBinaryImportAsync($"copy {schema}.invoices (invoice_number, applied_version, updated_at) from stdin (format binary)", ct))
        {
            foreach (var (invoice, version, at) in rows.Invoices)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(invoice, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(version, NpgsqlDbType.Bigint, ct);
                await copy.WriteAsync(at.UtcDateTime, NpgsqlDbType.TimestampTz, ct);
            }

            await copy.CompleteAsync(ct);
        }
    }
}
