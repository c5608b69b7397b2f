using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Testcontainers.PostgreSql;

namespace EventLedger.EmbeddedStack;

/// <summary>PostgreSQL 15 in a container, used when a Docker daemon answers. Testcontainers' reaper removes it if we die.</summary>
internal sealed class TestcontainersPostgres : IAsyncDisposable
{
    public const string Image = "postgres:15";
    private readonly PostgreSqlContainer _container;
    private readonly ILogger _logger;

    private TestcontainersPostgres(PostgreSqlContainer container, ILogger logger)
    {
        _container = container;
        _logger = logger;
    }

    public string ConnectionString => _container.GetConnectionString();

    public static async Task<TestcontainersPostgres> StartAsync(ILogger logger, CancellationToken cancellationToken)
    {
        Log.UsingTestcontainers(logger, Image);
        var stopwatch = Stopwatch.StartNew();
        var container = new PostgreSqlBuilder(Image)
            .WithDatabase(PostgresProcess.Database)
            .WithUsername("postgres")
            .WithPassword("postgres")
            .Build();
        try
        {
            await container.StartAsync(cancellationToken);
        }
        catch
        {
            await container.DisposeAsync();
            throw;
        }

        var started = new TestcontainersPostgres(container, logger);
        Log.Ready(logger, PostgresProcess.Component, $"container {container.Hostname}:{container.GetMappedPublicPort(PostgreSqlBuilder.PostgreSqlPort)}", stopwatch.ElapsedMilliseconds);
        return started;
    }

    public async ValueTask DisposeAsync()
    {
        var stopwatch = Stopwatch.StartNew();
        await _container.DisposeAsync();
        Log.Stopped(_logger, PostgresProcess.Component, stopwatch.ElapsedMilliseconds);
    }
}
