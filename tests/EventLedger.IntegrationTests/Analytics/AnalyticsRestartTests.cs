using EventLedger.EventStore.Events;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.Projections.Analytics;
using EventLedger.Projections.Contracts;
using Xunit.Abstractions;

namespace EventLedger.IntegrationTests.Analytics;

/// <summary>Restarts a PostgreSQL server of its own (see <see cref="PrivatePostgres"/>) under a running projection.</summary>
[Collection(StackCollection.Name)]
public sealed class AnalyticsRestartTests(ITestOutputHelper output) : IAsyncLifetime
{
    private PrivatePostgres _server = null!;
    private AnalyticsStore _store = null!;

    public async Task InitializeAsync()
    {
        _server = await PrivatePostgres.StartAsync();
        _store = AnalyticsStore.Create(_server.ConnectionString);
        await _store.MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task A_restart_mid_stream_fails_transiently_then_resumes_from_the_checkpoint_with_nothing_lost_or_doubled()
    {
        var events = RandomWorkload.Generate(seed: 11, invoiceCount: 6, eventCount: 600);
        var batches = events.Chunk(60)
            .Select((chunk, i) => new ProjectionBatch(chunk, new StreamPosition("analytics", "shard-1", $"{i + 1:D21}")))
            .ToList();
        var projection = new AnalyticsProjection(_store);
        var checkpoints = new AnalyticsCheckpoints(_store);
        for (var i = 0; i < 3; i++)
        {
            await projection.ApplyAsync(batches[i], default);
        }

        // 1. The server goes down between batches: the next batch fails transiently, and keeps failing while it is down.
        await _server.StopServerAsync();
        var down = await Assert.ThrowsAsync<AnalyticsStoreUnavailableException>(() => projection.ApplyBatchAsync(batches[3]));
        var stillDown = await Assert.ThrowsAsync<AnalyticsStoreUnavailableException>(() => projection.ApplyBatchAsync(batches[3]));
        Assert.True(down.IsTransient);
        Assert.Equal($"Cannot connect to PostgreSQL at 127.0.0.1:{_server.Port} (database 'postgres', user 'postgres'): connection refused",
            stillDown.Message);

        await _server.StartServerAsync();
        await ApplyWithBackOffAsync(projection, batches[3]);

        // 2. The server goes down inside a batch, after its writes and before COMMIT.
        var stopping = new AnalyticsProjection(_store) { BeforeCommit = (_, _) => _server.StopServerAsync() };
        var midBatch = await Assert.ThrowsAsync<AnalyticsStoreUnavailableException>(() => stopping.ApplyBatchAsync(batches[4]));
        Assert.Contains("failed while applying a batch", midBatch.Message, StringComparison.Ordinal);
        output.WriteLine(down.Message);
        output.WriteLine(midBatch.Message);
        await _server.StartServerAsync();

        // The host resumes from the committed checkpoint: batch 4 did not commit, so it starts again there.
        var resumeAt = await ApplyWithBackOffAsync(() => checkpoints.GetAsync("analytics", "shard-1"));
        Assert.Equal(batches[3].Position, resumeAt);
        foreach (var batch in batches.Skip(batches.FindIndex(b => b.Position == resumeAt)))
        {
            await ApplyWithBackOffAsync(projection, batch); // includes batch 3 again: a no-op
        }

        Assert.Equal(batches[^1].Position, await checkpoints.GetAsync("analytics", "shard-1"));
        var queries = new AnalyticsQueries(_store);
        AnalyticsView.AssertEqual(ReferenceFold.View(events), new AnalyticsView(
            await queries.DailyAsync(new DateOnly(2000, 1, 1), new DateOnly(2100, 1, 1)),
            await queries.CountriesAsync(),
            await queries.DailyRunRateAsync(AnalyticsView.RunRateFrom, AnalyticsView.RunRateTo),
            await queries.InvoicesAsync()));
    }

    private static Task ApplyWithBackOffAsync(AnalyticsProjection projection, ProjectionBatch batch) =>
        ApplyWithBackOffAsync(async () => await projection.ApplyBatchAsync(batch));

    /// <summary>What the host does: retry transient failures with a growing delay, give up after a while.</summary>
    private static async Task<T> ApplyWithBackOffAsync<T>(Func<Task<T>> work)
    {
        var delay = TimeSpan.FromMilliseconds(50);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await work();
            }
            catch (AnalyticsStoreUnavailableException) when (attempt < 20)
            {
                await Task.Delay(delay);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
            }
        }
    }
}
