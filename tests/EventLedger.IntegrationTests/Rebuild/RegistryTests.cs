using System.Net;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.EventStore.Tables;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.ProjectionHost.Rebuilds;
using Microsoft.Extensions.DependencyInjection;
using static EventLedger.IntegrationTests.Rebuild.RebuildHarness;

namespace EventLedger.IntegrationTests.Rebuild;

/// <summary>The version registry's intents on DynamoDB Local: what they store, and the lock's rules.</summary>
[Collection(StackCollection.Name)]
public sealed class RegistryTests(StackFixture fixture)
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(180);
    private static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(15);
    private static readonly CancellationToken None = CancellationToken.None;

    private IAmazonDynamoDB Db => fixture.DynamoDb;

    [Fact]
    public async Task Intents_store_the_states_phases_and_roles_as_the_strings_the_registry_always_held()
    {
        var registry = await NewRegistryAsync("rg-text");
        var now = DateTimeOffset.UtcNow;
        await registry.RecordBuildingAsync(ReadModelVersionRecord.Building("m", 2, schemaVersion: 3, segments: 4, now), None);
        Assert.Equal(("running", "building", "bulk-load"), await StoredAsync(registry, 2));
        await registry.EnterPhaseAsync("m", 2, RebuildPhase.CatchUp, None);
        Assert.Equal(("running", "building", "catch-up"), await StoredAsync(registry, 2));
        await registry.EnterPhaseAsync("m", 2, RebuildPhase.Switching, None);
        Assert.Equal(("running", "building", "switching"), await StoredAsync(registry, 2));
        await registry.MarkLiveAsync("m", 2, now, None);
        Assert.Equal(("completed", "live", "done"), await StoredAsync(registry, 2));

        await registry.MarkRetiringAsync("m", 1, now, None);
        Assert.Equal(("completed", "retiring", null), await StoredAsync(registry, 1));
        Assert.True(await registry.TryMarkRetiredAsync("m", 1, now, None));
        Assert.False(await registry.TryMarkRetiredAsync("m", 1, now, None));
        Assert.Equal(("completed", "retired", null), await StoredAsync(registry, 1));

        await registry.RecordBuildingAsync(ReadModelVersionRecord.Building("m", 3, 3, 4, now), None);
        await registry.MarkCancelledAsync("m", 3, now, None);
        Assert.Equal("cancelled", (await StoredAsync(registry, 3)).State);
        await registry.MarkFailedAsync("m", 3, "boom", now, None);
        Assert.Equal("failed", (await StoredAsync(registry, 3)).State);
        await registry.MarkResumedAsync("m", 3, None);

        var (_, versions) = await registry.GetPointerAndVersionsAsync("m", None);
        Assert.Equal(
            [(1, RebuildState.Completed, VersionRole.Retired), (2, RebuildState.Completed, VersionRole.Live), (3, RebuildState.Running, VersionRole.Building)],
            versions.Select(v => (v.Version, v.State, v.Role)));
        Assert.Equal((3, 4, (string?)null, (DateTimeOffset?)null), (versions[2].SchemaVersion, versions[2].Segments, versions[2].Error, versions[2].FinishedAt));
    }

    [Fact]
    public async Task A_state_this_code_does_not_know_is_a_clear_error_naming_it()
    {
        var registry = await NewRegistryAsync("rg-unknown");
        await registry.RecordBuildingAsync(ReadModelVersionRecord.Building("m", 2, 1, 1, DateTimeOffset.UtcNow), None);
        await Db.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = registry.TableName,
            Key = VersionKey(2),
            UpdateExpression = "SET #s = :s",
            ExpressionAttributeNames = new() { ["#s"] = "state" },
            ExpressionAttributeValues = new() { [":s"] = new() { S = "paused" } },
        });

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => registry.GetVersionAsync("m", 2, None));
        Assert.Contains("state 'paused'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_lock_is_taken_when_free_or_stale_renewed_only_by_its_owner_and_let_go_with_or_without_the_rebuild()
    {
        var registry = await NewRegistryAsync("rg-lock");
        var t = DateTimeOffset.UtcNow;
        Assert.True(await registry.TryBootstrapAsync("m", 1, None));
        Assert.False(await registry.TryBootstrapAsync("m", 2, None));

        Assert.True(await registry.TryClaimAsync("m", 2, "a", t, StaleAfter, None));
        Assert.True(await registry.TryClaimAsync("m", 2, "a", t.AddSeconds(1), StaleAfter, None));
        Assert.False(await registry.TryClaimAsync("m", 2, "b", t + StaleAfter, StaleAfter, None));
        Assert.True(await registry.RenewClaimAsync("m", "a", t.AddSeconds(10), None));
        Assert.False(await registry.TryClaimAsync("m", 2, "b", t.AddSeconds(10) + StaleAfter, StaleAfter, None));
        Assert.True(await registry.TryClaimAsync("m", 2, "b", t.AddSeconds(11) + StaleAfter, StaleAfter, None));

        // "a" lost it: it can neither renew, nor let go, nor switch.
        Assert.False(await registry.RenewClaimAsync("m", "a", t.AddSeconds(30), None));
        Assert.False(await registry.ReleaseClaimAsync("m", "a", None));
        Assert.False(await registry.SuspendClaimAsync("m", "a", None));
        Assert.False(await registry.SwitchLiveAsync("m", 1, 2, 1, "a", None));

        Assert.True(await registry.SuspendClaimAsync("m", "b", None));
        Assert.Equal((2, (string?)null, (DateTimeOffset?)null), Lock(await registry.GetPointerAsync("m", None)));
        Assert.True(await registry.TryClaimAsync("m", 2, "c", t, StaleAfter, None));
        Assert.True(await registry.SwitchLiveAsync("m", 1, 2, schemaVersion: 5, "c", None));
        Assert.False(await registry.SwitchLiveAsync("m", 1, 3, schemaVersion: 5, "c", None));
        Assert.True(await registry.ReleaseClaimAsync("m", "c", None));

        var pointer = await registry.GetPointerAsync("m", None);
        Assert.Equal((2, 5), (pointer.LiveVersion, pointer.LiveSchemaVersion));
        Assert.Equal(((int?)null, (string?)null, (DateTimeOffset?)null), Lock(pointer));
    }

    [Fact]
    public async Task An_event_count_DynamoDB_does_not_give_is_an_unknown_total_until_the_load_has_counted_the_events()
    {
        var prefix = StackFixture.NewPrefix("rb-total");
        var gate = new BulkLoadGate();
        var (failing, faults) = FailingDynamoDb.Around(Db);
        await using var app = await TestApp.StartAsync(fixture, "rb-total", services =>
        {
            With(FastOptions(), gate.ReadModel(prefix))(services);
            services.AddSingleton(failing);
        }, tablePrefix: prefix);
        var log = SkewedLog(hotInvoices: 1, hotTransactions: 30, coldInvoices: 30);
        await SeedAsync(Db, prefix, log.Events);

        faults.FailNextDescribe(new EventStoreTables(prefix).Events);
        Assert.Equal(HttpStatusCode.Accepted, (await app.Http.PostAsync($"/projections/{BulkLoadGate.ReadModelName}/rebuild", null)).StatusCode);
        await Probe.UntilAsync(() => gate.Reached, "the rebuild to reach its bulk load", Long);
        Assert.Equal(1, faults.Injected);
        var registry = new ReadModelVersionRegistry(Db, prefix);
        Assert.Null((await registry.GetVersionAsync(BulkLoadGate.ReadModelName, 2, None))!.EventsTotal);
        var status = (await StatusAsync(app.Http, BulkLoadGate.ReadModelName))!.Value;
        Assert.Equal(status.GetProperty("eventsDone").GetInt64(), status.GetProperty("eventsTotal").GetInt64());

        gate.Open();
        var completed = await WaitForStateAsync(app.Http, BulkLoadGate.ReadModelName, "completed", Long);
        Assert.Equal(log.Events.Count, completed.GetProperty("eventsTotal").GetInt64());
        Assert.Equal(log.Events.Count, (await registry.GetVersionAsync(BulkLoadGate.ReadModelName, 2, None))!.EventsTotal);
    }

    private static (int?, string?, DateTimeOffset?) Lock(ReadModelPointer pointer) => (pointer.RebuildingVersion, pointer.Owner, pointer.HeartbeatAt);

    [Fact]
    public async Task The_follower_s_one_query_reads_what_the_pointer_and_version_reads_return()
    {
        var registry = await NewRegistryAsync("rg-query");
        var now = DateTimeOffset.UtcNow;
        var (none, noVersions) = await registry.GetPointerAndVersionsAsync("m", None);
        Assert.Equal(await registry.GetPointerAsync("m", None), none); // no entry: live at version 1
        Assert.Empty(noVersions);

        await registry.RecordBuildingAsync(ReadModelVersionRecord.Building("m", 2, schemaVersion: 3, segments: 4, now), None);
        Assert.True(await registry.TryClaimAsync("m", 2, "host-a", now, StaleAfter, None));
        await registry.MarkRetiringAsync("m", 1, now, None);
        await registry.RecordBuildingAsync(ReadModelVersionRecord.Building("other", 5, 1, 1, now), None);

        var (pointer, versions) = await registry.GetPointerAndVersionsAsync("m", None);
        Assert.Equal(await registry.GetPointerAsync("m", None), pointer);
        // Each version as its own item (GetItem) reads back the same: an independent check of the query.
        var one = (await registry.GetVersionAsync("m", 1, None))!;
        var two = (await registry.GetVersionAsync("m", 2, None))!;
        Assert.Equal([(one.Name, one.Version, one.State, one.Role, one.Phase), (two.Name, two.Version, two.State, two.Role, two.Phase)],
            versions.Select(v => (v.Name, v.Version, v.State, v.Role, v.Phase)));
        Assert.Equal([1, 2], versions.Select(v => v.Version));
    }

    private async Task<ReadModelVersionRegistry> NewRegistryAsync(string name)
    {
        var registry = new ReadModelVersionRegistry(Db, StackFixture.NewPrefix(name));
        await registry.EnsureTableAsync(None);
        return registry;
    }

    /// <summary>The stored strings, read past the registry: what other releases and operators see in the table.</summary>
    private async Task<(string? State, string? Role, string? Phase)> StoredAsync(ReadModelVersionRegistry registry, int version)
    {
        var item = (await Db.GetItemAsync(new GetItemRequest { TableName = registry.TableName, Key = VersionKey(version), ConsistentRead = true })).Item;
        return (Text("state"), Text("role"), Text("phase"));
        string? Text(string attribute) => item.TryGetValue(attribute, out var value) ? value.S : null;
    }

    private static Dictionary<string, AttributeValue> VersionKey(int version) => new()
    {
        ["name"] = new() { S = "m" },
        ["item"] = new() { S = $"v{version:D6}" },
    };
}
