using EventLedger.IntegrationTests.Fixtures;
using Npgsql;

namespace EventLedger.IntegrationTests.EmbeddedStack;

[Collection(StackCollection.Name)]
public sealed class PostgresTests(StackFixture fixture)
{
    [Fact]
    public async Task Select_1_answers_in_the_eventledger_database()
    {
        await using var connection = new NpgsqlConnection(fixture.PostgresConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("select 1, current_database()", connection);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(1, reader.GetInt32(0));
        Assert.Equal("eventledger", reader.GetString(1));
    }

    [Fact]
    public async Task A_table_can_be_created_written_and_read()
    {
        var schema = StackFixture.NewPrefix("stack").Replace("-", "_", StringComparison.Ordinal).TrimEnd('_');
        await using var connection = new NpgsqlConnection(fixture.PostgresConnectionString);
        await connection.OpenAsync();
        await using (var create = new NpgsqlCommand(
            $"create schema {schema}; create table {schema}.facts (id int primary key, amount numeric(19,4) not null); " +
            $"insert into {schema}.facts values (1, 10.5), (2, -0.25);",
            connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        try
        {
            await using var sum = new NpgsqlCommand($"select sum(amount) from {schema}.facts", connection);
            Assert.Equal(10.25m, (decimal)(await sum.ExecuteScalarAsync())!);
        }
        finally
        {
            await using var drop = new NpgsqlCommand($"drop schema {schema} cascade", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
