using Npgsql;

namespace EventLedger.Projections.Analytics;

/// <summary>
/// The analytics schema as ordered, versioned migrations. Each runs in its own transaction that first takes a
/// transaction-scoped advisory lock keyed by the schema name, so two hosts starting together apply each migration once
/// and the loser simply finds it recorded. Append new migrations; never edit an applied one.
/// </summary>
internal static class AnalyticsMigrations
{
    /// <summary><c>{schema}</c> stands for the (validated) schema name.</summary>
    internal static readonly IReadOnlyList<(int Version, string Name, string Sql)> All =
    [
        (1, "facts, transactions, invoices, checkpoints", """
            -- Every applied transaction event, at most once: PK (invoice, version).
            create table {schema}.facts (
                invoice_number text not null,
                version bigint not null,
                event_id uuid not null,
                event_type text not null,
                transaction_id text not null,
                amount numeric(28,4) not null,        -- the transaction's amount as of this event (voided: the amount voided)
                amount_delta numeric(28,4) not null,  -- change to the live total: +amount, new-previous, -amount
                count_delta smallint not null,        -- change to the live count: +1, 0, -1
                currency text not null,
                country text not null,
                invoice_date date not null,
                recorded_at timestamptz not null,
                primary key (invoice_number, version)
            );

            -- Current state of every transaction; each upsert is guarded by last_version.
            create table {schema}.transactions (
                invoice_number text not null,
                transaction_id text not null,
                amount numeric(28,4) not null,
                currency text not null,
                country text not null,
                invoice_date date not null,
                status text not null check (status in ('live', 'voided')),
                last_version bigint not null,
                primary key (invoice_number, transaction_id)
            ) with (fillfactor = 85);
            -- Partial indexes over live rows for the queries. amount is deliberately not indexed, so that an adjustment
            -- (amount and last_version change) can be a HOT update that touches no index; fillfactor leaves room for it.
            create index transactions_live_by_day on {schema}.transactions (invoice_date, currency) where status = 'live';
            create index transactions_live_by_country on {schema}.transactions (country, currency) where status = 'live';

            -- The last stream version applied per invoice (all event types): events at or below it are skipped.
            create table {schema}.invoices (
                invoice_number text primary key,
                applied_version bigint not null check (applied_version > 0),
                updated_at timestamptz not null
            ) with (fillfactor = 85);

            -- Stream positions, committed in the same transaction as the rows they produced.
            create table {schema}.checkpoints (
                subscription text not null,
                shard_id text not null,
                sequence_number text not null,
                updated_at timestamptz not null,
                primary key (subscription, shard_id)
            );
            """),
    ];

    internal static int LatestVersion => All[^1].Version;

    internal static Task<IReadOnlyList<int>> ApplyAsync(AnalyticsStore store, CancellationToken cancellationToken) =>
        store.ExecuteAsync<IReadOnlyList<int>>($"migrating schema '{store.Schema}'", async (connection, ct) =>
        {
            var applied = new List<int>();
            foreach (var (version, name, sql) in All)
            {
                await using var transaction = await connection.BeginTransactionAsync(ct);
                await using (var prepare = new NpgsqlCommand(
                    $"""
                    select pg_advisory_xact_lock(hashtextextended('eventledger.analytics.migrations/' || @schema, 0));
                    create schema if not exists {store.Schema};
                    create table if not exists {store.Schema}.schema_migrations (
                        version int primary key,
                        name text not null,
                        applied_at timestamptz not null default now());
                    """, connection, transaction))
                {
                    prepare.Parameters.AddWithValue("schema", store.Schema);
                    await prepare.ExecuteNonQueryAsync(ct);
                }

                await using (var check = new NpgsqlCommand(
                    $"select exists (select 1 from {store.Schema}.schema_migrations where version = @version)", connection, transaction))
                {
                    check.Parameters.AddWithValue("version", version);
                    if ((bool)(await check.ExecuteScalarAsync(ct))!)
                    {
                        await transaction.RollbackAsync(ct);
                        continue;
                    }
                }

                await using (var migrate = new NpgsqlCommand(sql.Replace("{schema}", store.Schema, StringComparison.Ordinal), connection, transaction))
                {
                    await migrate.ExecuteNonQueryAsync(ct);
                }

                await using (var record = new NpgsqlCommand(
                    $"insert into {store.Schema}.schema_migrations (version, name) values (@version, @name)", connection, transaction))
                {
                    record.Parameters.AddWithValue("version", version);
                    record.Parameters.AddWithValue("name", name);
                    await record.ExecuteNonQueryAsync(ct);
                }

                await transaction.CommitAsync(ct);
                applied.Add(version);
            }

            return applied;
        }, cancellationToken);
}
