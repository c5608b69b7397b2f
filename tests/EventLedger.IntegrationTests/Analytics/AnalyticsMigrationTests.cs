using System.Net;
using System.Net.Sockets;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.Projections.Analytics;
using Npgsql;

namespace EventLedger.IntegrationTests.Analytics;

[Collection(StackCollection.Name)]
public sealed class AnalyticsMigrationTests(StackFixture fixture)
{
    [Fact]
    public async Task Migrating_twice_applies_each_migration_once()
    {
        await using var store = AnalyticsStore.Create(fixture.PostgresConnectionString, NewSchema());
        try
        {
            Assert.Equal([1], await store.MigrateAsync());
            Assert.Empty(await store.MigrateAsync());
            Assert.Equal(["1"], await MigrationRowsAsync(store.Schema));
        }
        finally
        {
            await store.DropSchemaAsync();
        }
    }

    [Fact]
    public async Task Two_hosts_migrating_the_same_schema_at_once_apply_each_migration_once()
    {
        var schema = NewSchema();
        // Separate data sources: two hosts, not two calls sharing a pool.
        var hosts = Enumerable.Range(0, 4).Select(_ => AnalyticsStore.Create(fixture.PostgresConnectionString, schema)).ToList();
        try
        {
            var applied = await Task.WhenAll(hosts.Select(h => Task.Run(() => h.MigrateAsync())));

            Assert.Equal([1], applied.SelectMany(a => a).ToList()); // exactly one host applied it
            Assert.Equal(["1"], await MigrationRowsAsync(schema));
            Assert.Empty(await hosts[0].MigrateAsync());
        }
        finally
        {
            await hosts[0].DropSchemaAsync();
            foreach (var h in hosts)
            {
                await h.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Read_model_versions_live_side_by_side_in_their_own_schemas()
    {
        Assert.Equal("analytics_v1", AnalyticsStore.DefaultSchema);
        Assert.Equal("analytics_v2", AnalyticsStore.SchemaNameFor(2));
        Assert.Throws<ArgumentException>(() => AnalyticsStore.Create(fixture.PostgresConnectionString, "Analytics; drop table x"));

        await using var v1 = AnalyticsStore.Create(fixture.PostgresConnectionString, NewSchema());
        await using var v2 = AnalyticsStore.Create(fixture.PostgresConnectionString, NewSchema());
        try
        {
            await v1.MigrateAsync();
            await v2.MigrateAsync();
            var (events, _) = SampleInvoices.Load();
            await new AnalyticsProjection(v1).ApplyAsync(new(events, null), default);

            Assert.Equal(3, (await new AnalyticsQueries(v1).InvoicesAsync()).Count);
            Assert.Empty(await new AnalyticsQueries(v2).InvoicesAsync());
        }
        finally
        {
            await v1.DropSchemaAsync();
            await v2.DropSchemaAsync();
        }
    }

    [Fact]
    public async Task A_port_nobody_listens_on_fails_with_one_clear_transient_message()
    {
        var port = FreePort();
        await using var store = AnalyticsStore.Create($"Host=127.0.0.1;Port={port};Username=postgres;Database=eventledger;Timeout=5");

        var error = await Assert.ThrowsAsync<AnalyticsStoreUnavailableException>(() => store.MigrateAsync());

        Assert.StartsWith($"Cannot connect to PostgreSQL at 127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("connection refused", error.Message, StringComparison.Ordinal);
        Assert.True(error.IsTransient);
    }

    [Fact]
    public async Task An_unknown_host_fails_with_one_clear_message()
    {
        await using var store = AnalyticsStore.Create("Host=no-such-host.invalid;Username=postgres;Database=eventledger;Timeout=5");

        var error = await Assert.ThrowsAnyAsync<AnalyticsStoreException>(() => store.MigrateAsync());

        Assert.StartsWith("Cannot connect to PostgreSQL at no-such-host.invalid:5432", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_database_fails_as_configuration_error()
    {
        var settings = new NpgsqlConnectionStringBuilder(fixture.PostgresConnectionString) { Database = "no_such_db_for_analytics" };
        await using var store = AnalyticsStore.Create(settings.ConnectionString);

        var error = await Assert.ThrowsAsync<AnalyticsStoreConfigurationException>(() => store.MigrateAsync());

        Assert.StartsWith($"Cannot connect to PostgreSQL at {settings.Host}:{settings.Port}", error.Message, StringComparison.Ordinal);
        Assert.Contains("\"no_such_db_for_analytics\" does not exist", error.Message, StringComparison.Ordinal);
        Assert.False(error.IsTransient);
    }

    [Fact]
    public async Task An_unknown_role_fails_as_configuration_error()
    {
        var settings = new NpgsqlConnectionStringBuilder(fixture.PostgresConnectionString) { Username = "no_such_role_for_analytics", Password = "secret-123" };
        await using var store = AnalyticsStore.Create(settings.ConnectionString);

        var error = await Assert.ThrowsAsync<AnalyticsStoreConfigurationException>(() => store.MigrateAsync());

        Assert.Contains("no_such_role_for_analytics", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-123", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unparseable_connection_string_fails_as_configuration_error()
    {
        var error = Assert.Throws<AnalyticsStoreConfigurationException>(
            () => AnalyticsStore.Create("Host=127.0.0.1;Bogus Keyword=1;Password=secret-123"));

        Assert.StartsWith("Invalid PostgreSQL connection string", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-123", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Using_an_unmigrated_schema_says_to_migrate()
    {
        await using var store = AnalyticsStore.Create(fixture.PostgresConnectionString, NewSchema());
        var (events, _) = SampleInvoices.Load();

        var error = await Assert.ThrowsAsync<AnalyticsStoreConfigurationException>(
            () => new AnalyticsProjection(store).ApplyBatchAsync(new(events, null)));

        Assert.Contains("MigrateAsync", error.Message, StringComparison.Ordinal);
    }

    private static string NewSchema() => StackFixture.NewPrefix("m").Replace('-', '_');

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task<List<string>> MigrationRowsAsync(string schema)
    {
        await using var connection = new NpgsqlConnection(fixture.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"select version::text from {schema}.schema_migrations order by version", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            rows.Add(reader.GetString(0));
        }

        return rows;
    }
}
