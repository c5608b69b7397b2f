using EventLedger.IntegrationTests.Analytics;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.Projections.Contracts;
using EventLedger.Projections.Search;
using Npgsql;

namespace EventLedger.IntegrationTests.Search;

/// <summary>Restarts a PostgreSQL server of its own (<see cref="PrivatePostgres"/>) under the search projection, as analytics does.</summary>
[Collection(StackCollection.Name)]
public sealed class SearchRestartTests : IAsyncLifetime
{
    private PrivatePostgres _server = null!;
    private NpgsqlDataSource _dataSource = null!;
    private InvoiceSearchStore _store = null!;

    public async Task InitializeAsync()
    {
        _server = await PrivatePostgres.StartAsync();
        _dataSource = NpgsqlDataSource.Create(_server.ConnectionString);
        _store = new InvoiceSearchStore(_dataSource, InvoiceSearchSchemaName.For("restart-", 1));
        await _store.MigrateAsync();
    }

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        await _dataSource.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task A_restart_mid_stream_fails_transiently_then_resumes_from_the_checkpoint_with_nothing_lost_or_doubled()
    {
        var (events, sent) = SearchTestData.Generate(seed: 12, transactions: 300);
        var batches = events.Chunk(40)
            .Select((chunk, i) => new ProjectionBatch(chunk, new StreamPosition("invoice-search", "shard-1", $"{i + 1:D21}")))
            .ToList();
        var projection = new InvoiceSearchProjection(_store);
        var checkpoints = new InvoiceSearchCheckpoints(_store);
        for (var i = 0; i < 3; i++) await projection.ApplyAsync(batches[i], default);

        // 1. Down between batches: the next batch fails transiently while it is down.
        await _server.StopServerAsync();
        var down = await Assert.ThrowsAsync<InvoiceSearchStoreUnavailableException>(() => projection.ApplyBatchAsync(batches[3]));
        Assert.True(((IStoreFailure)down).IsTransient);
        Assert.Contains($"127.0.0.1:{_server.Port}", down.Message, StringComparison.Ordinal);
        await _server.StartServerAsync();
        await WithBackOffAsync(() => projection.ApplyBatchAsync(batches[3]));

        // 2. Down inside a batch, after its writes and before COMMIT.
        var stopping = new InvoiceSearchProjection(_store) { BeforeCommit = (_, _) => _server.StopServerAsync() };
        await Assert.ThrowsAsync<InvoiceSearchStoreUnavailableException>(() => stopping.ApplyBatchAsync(batches[4]));
        await _server.StartServerAsync();

        // The host resumes from the committed checkpoint: batch 4 did not commit.
        var resumeAt = await WithBackOffAsync(() => checkpoints.GetAsync("invoice-search", "shard-1"));
        Assert.Equal(batches[3].Position, resumeAt);
        foreach (var batch in batches.Skip(3)) await WithBackOffAsync(() => projection.ApplyBatchAsync(batch));

        Assert.Equal(batches[^1].Position, await checkpoints.GetAsync("invoice-search", "shard-1"));
        var all = new List<InvoiceSearchHit>();
        var queries = new InvoiceSearchQueries(_store);
        for (var page = await queries.SearchAsync(new InvoiceSearchQuery(Status: InvoiceSearchQuery.AllStatuses, Limit: 500)); ; )
        {
            all.AddRange(page.Items);
            if (page.Next is null) break;
            InvoiceSearchCursor.TryDecode(page.Next, ranked: false, out var next);
            page = await queries.SearchAsync(new InvoiceSearchQuery(Status: InvoiceSearchQuery.AllStatuses, Limit: 500, Cursor: next));
        }

        Assert.Equal(
            sent.Values.OrderBy(t => t.Id, StringComparer.Ordinal).Select(t => (t.Id, t.Amount, t.Status)),
            all.Select(h => ($"{h.InvoiceNumber}/{h.TransactionId}", h.Amount, h.Status)));
    }

    /// <summary>What the host does: retry transient failures with a growing delay, give up after a while.</summary>
    private static async Task<T> WithBackOffAsync<T>(Func<Task<T>> work)
    {
        var delay = TimeSpan.FromMilliseconds(50);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await work();
            }
            catch (InvoiceSearchStoreUnavailableException) when (attempt < 20)
            {
                await Task.Delay(delay);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
            }
        }
    }
}
