using System.Net;
using System.Text.Json;
using Amazon.DynamoDBv2;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.ProjectionHost.Rebuilds;
using Microsoft.Extensions.DependencyInjection;
using static EventLedger.IntegrationTests.Rebuild.RebuildHarness;

namespace EventLedger.IntegrationTests.Rebuild;

/// <summary>The rebuild lock: a heartbeat that fails once keeps the lock; a lock another host took stops the rebuild.</summary>
[Collection(StackCollection.Name)]
public sealed class RebuildLockTests(StackFixture fixture)
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(180);
    private const string Name = BulkLoadGate.ReadModelName;

    private IAmazonDynamoDB Db => fixture.DynamoDb;

    [Fact]
    public async Task A_failed_heartbeat_is_retried_so_no_other_host_takes_the_rebuild_over_and_it_completes()
    {
        var options = FastOptions();
        var prefix = StackFixture.NewPrefix("rb-beat");
        var gate = new BulkLoadGate();
        var registry = new ReadModelVersionRegistry(Db, prefix);
        var (failing, faults) = FailingDynamoDb.Around(Db);
        await using var first = await TestApp.StartAsync(fixture, "rb-beat", services =>
        {
            With(options, gate.ReadModel(prefix))(services);
            // Only this host's registry goes through the failing client.
            services.AddSingleton(new ReadModelVersionRegistry(failing, prefix));
        }, tablePrefix: prefix);
        await SeedAsync(Db, prefix, SkewedLog(hotInvoices: 1, hotTransactions: 30, coldInvoices: 30).Events);

        Assert.Equal(HttpStatusCode.Accepted, (await first.Http.PostAsync($"/projections/{Name}/rebuild", null)).StatusCode);
        await Probe.UntilAsync(() => gate.Reached, "the rebuild to reach its bulk load", Long);

        // Held at the gate, the rebuild writes nothing to the registry but its heartbeat: the next write there is one.
        faults.FailNextUpdate(update => update.TableName == registry.TableName);
        await Probe.UntilAsync(() => faults.Injected == 1, "a heartbeat to meet the injected failure", Long);
        var failedAt = DateTimeOffset.UtcNow;
        ReadModelPointer? pointer = null;
        await Probe.UntilAsync(async () => (pointer = await registry.GetPointerAsync(Name, CancellationToken.None)).HeartbeatAt > failedAt + options.RebuildStaleAfter,
            "heartbeats for longer than RebuildStaleAfter after the failure (had they stopped, the lock would look stale)", Long, () => $"{pointer}");

        await using var second = await TestApp.StartAsync(fixture, "rb-beat", With(options, gate.ReadModel(prefix)), tablePrefix: prefix);
        var takeOver = await second.Http.PostAsync($"/projections/{Name}/rebuild", null);
        Assert.Equal(HttpStatusCode.Conflict, takeOver.StatusCode);
        Assert.DoesNotContain(Name, second.Get<RebuildEngine>().RunningHere);
        Assert.Contains(Name, first.Get<RebuildEngine>().RunningHere);

        gate.Open();
        var completed = await WaitForStateAsync(first.Http, Name, "completed", Long);
        Assert.Equal(2, completed.GetProperty("version").GetInt32());
        Assert.Equal(2, completed.GetProperty("liveVersion").GetInt32());
        Assert.Equal(JsonValueKind.Null, completed.GetProperty("error").ValueKind);
        Assert.Equal(1, faults.Injected);
    }

    [Fact]
    public async Task A_rebuild_whose_lock_another_host_took_stops_here_and_leaves_the_version_to_that_host()
    {
        var options = FastOptions();
        var prefix = StackFixture.NewPrefix("rb-lost");
        var gate = new BulkLoadGate();
        await using var app = await TestApp.StartAsync(fixture, "rb-lost", With(options, gate.ReadModel(prefix)), tablePrefix: prefix);
        await SeedAsync(Db, prefix, SkewedLog(hotInvoices: 1, hotTransactions: 30, coldInvoices: 30).Events);
        Assert.Equal(HttpStatusCode.Accepted, (await app.Http.PostAsync($"/projections/{Name}/rebuild", null)).StatusCode);
        await Probe.UntilAsync(() => gate.Reached, "the rebuild to reach its bulk load", Long);
        var engine = app.Get<RebuildEngine>();
        Assert.Contains(Name, engine.RunningHere);

        // Another host takes the lock over, as one would whose clock says this host's heartbeat is stale.
        var registry = new ReadModelVersionRegistry(Db, prefix);
        var later = DateTimeOffset.UtcNow + (options.RebuildStaleAfter * 2);
        Assert.True(await registry.TryClaimAsync(Name, 2, "another-host", later, options.RebuildStaleAfter, CancellationToken.None));

        await Probe.UntilAsync(() => !engine.RunningHere.Contains(Name), "the rebuild to stop here once its heartbeat finds the lock taken", Long);
        var pointer = await registry.GetPointerAsync(Name, CancellationToken.None);
        Assert.Equal(("another-host", 2), (pointer.Owner, pointer.RebuildingVersion));
        var record = await registry.GetVersionAsync(Name, 2, CancellationToken.None);
        Assert.NotNull(record);
        // Not failed, not cancelled: the version is the new owner's to carry on.
        Assert.Equal((RebuildState.Running, RebuildPhase.BulkLoad, (string?)null), (record.State, record.Phase, record.Error));
    }
}
