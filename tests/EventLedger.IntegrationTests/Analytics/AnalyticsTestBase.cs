using EventLedger.IntegrationTests.Fixtures;
using EventLedger.Projections.Analytics;
using Npgsql;

namespace EventLedger.IntegrationTests.Analytics;

/// <summary>Gives each test class its own migrated PostgreSQL schema, dropped afterwards.</summary>
public abstract class AnalyticsTestBase(StackFixture fixture) : IAsyncLifetime
{
    protected static readonly DateOnly AllFrom = new(2000, 1, 1);
    protected static readonly DateOnly AllTo = new(2100, 1, 1);

    protected StackFixture Fixture { get; } = fixture;

    protected string Schema { get; } = NewSchema();

    protected AnalyticsStore Store { get; private set; } = null!;

    protected static string NewSchema() => StackFixture.NewPrefix("a").Replace('-', '_');

    public virtual async Task InitializeAsync()
    {
        Store = AnalyticsStore.Create(Fixture.PostgresConnectionString, Schema);
        await Store.MigrateAsync();
    }

    public virtual async Task DisposeAsync()
    {
        await Store.DropSchemaAsync();
        await Store.DisposeAsync();
    }

    /// <summary>Every row of every table, as PostgreSQL prints it (timestamps of checkpoints excluded).</summary>
    protected static async Task<IReadOnlyList<string>> DumpAsync(AnalyticsStore store, string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var rows = new List<string>();
        foreach (var sql in new[]
        {
            $"select 'fact ' || f::text from {store.Schema}.facts f order by invoice_number, version",
            $"select 'transaction ' || t::text from {store.Schema}.transactions t order by invoice_number, transaction_id",
            $"select 'invoice ' || i::text from {store.Schema}.invoices i order by invoice_number",
            $"select 'checkpoint ' || concat_ws(' ', subscription, shard_id, sequence_number) from {store.Schema}.checkpoints order by 1",
        })
        {
            await using var command = new NpgsqlCommand(sql, connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                rows.Add(reader.GetString(0));
            }
        }

        return rows;
    }

    /// <summary>Everything the queries return, for comparing two ways of building the read model.</summary>
    protected static async Task<AnalyticsView> QueryAllAsync(AnalyticsStore store)
    {
        var queries = new AnalyticsQueries(store);
        var invoices = new List<InvoiceAnalytics>();
        for (string? after = null; ;)
        {
            var page = await queries.InvoicesAsync(after, 50);
            invoices.AddRange(page);
            if (page.Count < 50)
            {
                break;
            }

            after = page[^1].InvoiceNumber;
        }

        return new AnalyticsView(
            await queries.DailyAsync(AllFrom, AllTo),
            await queries.CountriesAsync(),
            await queries.DailyRunRateAsync(AnalyticsView.RunRateFrom, AnalyticsView.RunRateTo),
            invoices);
    }
}
