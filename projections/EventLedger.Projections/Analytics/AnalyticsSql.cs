using EventLedger.Projections.Contracts;
using Npgsql;

namespace EventLedger.Projections.Analytics;

/// <summary>
/// The read model's write statements for one schema. Rows go in as parallel arrays through <c>unnest</c>, one
/// statement per table whatever the batch size; each statement is idempotent on its own (see the guards).
/// </summary>
internal sealed class AnalyticsSql(string schema)
{
    public const string FactColumns =
        "invoice_number, version, event_id, event_type, transaction_id, amount, amount_delta, count_delta, currency, country, invoice_date, recorded_at";

    public const string TransactionColumns =
        "invoice_number, transaction_id, amount, currency, country, invoice_date, status, last_version";

    public string ReadAppliedVersions { get; } =
        $"select invoice_number, applied_version from {schema}.invoices where invoice_number = any($1::text[])";

    // A fact is inserted once: its key is the event's (invoice, version).
    private readonly string _insertFacts = $"""
        insert into {schema}.facts ({FactColumns})
        select * from unnest($1::text[], $2::bigint[], $3::uuid[], $4::text[], $5::text[], $6::numeric[], $7::numeric[],
                             $8::smallint[], $9::text[], $10::text[], $11::date[], $12::timestamptz[])
        on conflict (invoice_number, version) do nothing
        """;

    private readonly string _upsertTransactions = $"""
        insert into {schema}.transactions as t ({TransactionColumns})
        select * from unnest($1::text[], $2::text[], $3::numeric[], $4::text[], $5::text[], $6::date[], $7::text[], $8::bigint[])
        {TransactionConflict("t")}
        """;

    private readonly string _upsertInvoices = $"""
        insert into {schema}.invoices as i (invoice_number, applied_version, updated_at)
        select n, v, now() from unnest($1::text[], $2::bigint[]) as u(n, v)
        {InvoiceConflict("i")}
        """;

    private readonly string _saveCheckpoint = $"""
        insert into {schema}.checkpoints as c (subscription, shard_id, sequence_number, updated_at)
        values ($1, $2, $3, now())
        on conflict (subscription, shard_id) do update
            set sequence_number = excluded.sequence_number, updated_at = excluded.updated_at
        """;

    /// <summary>Staging tables for one bulk-loaded page: shaped like the read model's tables, dropped at COMMIT.</summary>
    public string CreateStagingTables { get; } = $"""
        create temporary table stage_facts (like {schema}.facts) on commit drop;
        create temporary table stage_transactions (like {schema}.transactions) on commit drop;
        create temporary table stage_invoices (invoice_number text not null, applied_version bigint not null) on commit drop;
        """;

    /// <summary>Moves a staged page into the read model with the incremental path's guards, so a page sent twice changes nothing.</summary>
    public string MergeStagingTables { get; } = $"""
        insert into {schema}.facts ({FactColumns}) select {FactColumns} from stage_facts
        on conflict (invoice_number, version) do nothing;
        insert into {schema}.transactions as t ({TransactionColumns}) select {TransactionColumns} from stage_transactions
        {TransactionConflict("t")};
        insert into {schema}.invoices as i (invoice_number, applied_version, updated_at)
        select invoice_number, applied_version, now() from stage_invoices
        {InvoiceConflict("i")};
        """;

    /// <summary>Only a newer event may change a transaction: <c>existing.last_version &lt; incoming.last_version</c>.</summary>
    public static string TransactionConflict(string alias) => $"""
        on conflict (invoice_number, transaction_id) do update
            set amount = excluded.amount, currency = excluded.currency, country = excluded.country,
                invoice_date = excluded.invoice_date, status = excluded.status, last_version = excluded.last_version
            where {alias}.last_version < excluded.last_version
        """;

    /// <summary>The applied version only moves forward.</summary>
    public static string InvoiceConflict(string alias) => $"""
        on conflict (invoice_number) do update
            set applied_version = excluded.applied_version, updated_at = excluded.updated_at
            where {alias}.applied_version < excluded.applied_version
        """;

    public void AddWrites(NpgsqlBatch batch, AnalyticsChanges changes)
    {
        if (changes.Facts.Count > 0)
        {
            var f = changes.Facts;
            batch.BatchCommands.Add(Command(_insertFacts,
                f.Select(x => x.InvoiceNumber).ToArray(),
                f.Select(x => x.Version).ToArray(),
                f.Select(x => x.EventId).ToArray(),
                f.Select(x => x.EventType).ToArray(),
                f.Select(x => x.TransactionId).ToArray(),
                f.Select(x => x.Amount).ToArray(),
                f.Select(x => x.AmountDelta).ToArray(),
                f.Select(x => x.CountDelta).ToArray(),
                f.Select(x => x.Currency).ToArray(),
                f.Select(x => x.Country).ToArray(),
                f.Select(x => x.InvoiceDate).ToArray(),
                f.Select(x => x.RecordedAt.UtcDateTime).ToArray()));
        }

        if (changes.Transactions.Count > 0)
        {
            var t = changes.Transactions;
            batch.BatchCommands.Add(Command(_upsertTransactions,
                t.Select(x => x.InvoiceNumber).ToArray(),
                t.Select(x => x.TransactionId).ToArray(),
                t.Select(x => x.Amount).ToArray(),
                t.Select(x => x.Currency).ToArray(),
                t.Select(x => x.Country).ToArray(),
                t.Select(x => x.InvoiceDate).ToArray(),
                t.Select(x => x.Status).ToArray(),
                t.Select(x => x.LastVersion).ToArray()));
        }

        if (changes.Invoices.Count > 0)
        {
            var i = changes.Invoices;
            batch.BatchCommands.Add(Command(_upsertInvoices,
                i.Select(x => x.InvoiceNumber).ToArray(),
                i.Select(x => x.AppliedVersion).ToArray()));
        }
    }

    public NpgsqlBatchCommand SaveCheckpoint(StreamPosition position) =>
        Command(_saveCheckpoint, position.Subscription, position.ShardId, position.SequenceNumber);

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        return command;
    }
}
