using EventLedger.IntegrationTests.Fixtures;
using EventLedger.Projections.Analytics;
using EventLedger.Projections.Contracts;
using Npgsql;

namespace EventLedger.IntegrationTests.Analytics;

[Collection(StackCollection.Name)]
public sealed class AnalyticsExactlyOnceTests(StackFixture fixture) : AnalyticsTestBase(fixture)
{
    private static readonly StreamPosition First = new("analytics", "shardId-0001", "100000000000000000001");
    private static readonly StreamPosition Second = new("analytics", "shardId-0001", "100000000000000000042");

    [Fact]
    public async Task A_batch_applied_twice_with_and_without_position_changes_nothing()
    {
        var events = RandomWorkload.Generate(seed: 7, invoiceCount: 5, eventCount: 200);
        var projection = new AnalyticsProjection(Store);

        var first = await projection.ApplyBatchAsync(new ProjectionBatch(events, First));
        var once = await DumpAsync(Store, Fixture.PostgresConnectionString);
        var again = await projection.ApplyBatchAsync(new ProjectionBatch(events, First));
        var withoutPosition = await projection.ApplyBatchAsync(new ProjectionBatch(events, null));
        var twice = await DumpAsync(Store, Fixture.PostgresConnectionString);

        Assert.Equal((200, 0), (first.AppliedEvents, first.SkippedEvents));
        Assert.Equal((0, 200), (again.AppliedEvents, again.SkippedEvents));
        Assert.Equal((0, 200), (withoutPosition.AppliedEvents, withoutPosition.SkippedEvents));
        Assert.Equal(once, twice); // including each invoice's updated_at: nothing was even rewritten
        Assert.Equal(First, await new AnalyticsCheckpoints(Store).GetAsync(First.Subscription, First.ShardId));
    }

    [Fact]
    public async Task A_redelivered_batch_overlapping_new_events_applies_only_the_new_ones()
    {
        var events = RandomWorkload.Generate(seed: 8, invoiceCount: 4, eventCount: 120);
        var projection = new AnalyticsProjection(Store);

        await projection.ApplyAsync(new ProjectionBatch(events.Take(80).ToList(), First), default);
        var result = await projection.ApplyBatchAsync(new ProjectionBatch(events.Skip(40).ToList(), Second));

        Assert.Equal((40, 40), (result.AppliedEvents, result.SkippedEvents));
        AnalyticsView.AssertEqual(ReferenceFold.View(events), await QueryAllAsync(Store));
        Assert.Equal(Second, await new AnalyticsCheckpoints(Store).GetAsync(Second.Subscription, Second.ShardId));
    }

    [Fact]
    public async Task A_failure_before_commit_leaves_neither_rows_nor_checkpoint_and_a_retry_commits_both()
    {
        var events = RandomWorkload.Generate(seed: 9, invoiceCount: 3, eventCount: 50);
        var batch = new ProjectionBatch(events, First);
        var checkpoints = new AnalyticsCheckpoints(Store);
        var failing = new AnalyticsProjection(Store)
        {
            BeforeCommit = (_, _) => throw new InvalidOperationException("injected after the writes, before commit"),
        };

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => failing.ApplyBatchAsync(batch));

        Assert.Contains("injected", error.Message, StringComparison.Ordinal);
        Assert.Empty(await DumpAsync(Store, Fixture.PostgresConnectionString));
        Assert.Null(await checkpoints.GetAsync(First.Subscription, First.ShardId));

        await new AnalyticsProjection(Store).ApplyAsync(batch, default);

        Assert.Equal(First, await checkpoints.GetAsync(First.Subscription, First.ShardId));
        AnalyticsView.AssertEqual(ReferenceFold.View(events), await QueryAllAsync(Store));
    }

    [Fact]
    public async Task A_connection_killed_before_commit_surfaces_as_transient_and_commits_nothing()
    {
        var events = RandomWorkload.Generate(seed: 10, invoiceCount: 3, eventCount: 50);
        var batch = new ProjectionBatch(events, First);
        var killing = new AnalyticsProjection(Store)
        {
            // A real connection failure between the writes and COMMIT: another session terminates ours.
            BeforeCommit = async (connection, ct) =>
            {
                await using var other = new NpgsqlConnection(Fixture.PostgresConnectionString);
                await other.OpenAsync(ct);
                await using var kill = new NpgsqlCommand("select pg_terminate_backend($1)", other)
                {
                    Parameters = { new() { Value = connection.ProcessID } },
                };
                await kill.ExecuteScalarAsync(ct);
            },
        };

        var error = await Assert.ThrowsAsync<AnalyticsStoreUnavailableException>(() => killing.ApplyBatchAsync(batch));

        Assert.True(error.IsTransient);
        Assert.Contains("failed while applying a batch", error.Message, StringComparison.Ordinal);
        Assert.Empty(await DumpAsync(Store, Fixture.PostgresConnectionString));

        await new AnalyticsProjection(Store).ApplyAsync(batch, default);

        AnalyticsView.AssertEqual(ReferenceFold.View(events), await QueryAllAsync(Store));
        Assert.Equal(First, await new AnalyticsCheckpoints(Store).GetAsync(First.Subscription, First.ShardId));
    }

    [Fact]
    public async Task An_empty_batch_with_a_position_saves_only_the_checkpoint()
    {
        var projection = new AnalyticsProjection(Store);

        await projection.ApplyAsync(new ProjectionBatch([], Second), default);

        Assert.Equal(["checkpoint analytics shardId-0001 100000000000000000042"], await DumpAsync(Store, Fixture.PostgresConnectionString));
        Assert.Equal([Second], await new AnalyticsCheckpoints(Store).ListAsync("analytics"));
        Assert.Null(await new AnalyticsCheckpoints(Store).GetAsync("analytics", "shardId-other"));
    }
}
