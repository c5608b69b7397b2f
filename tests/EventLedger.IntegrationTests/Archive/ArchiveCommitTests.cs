using System.Globalization;
using System.Runtime.CompilerServices;
using EventLedger.Archive.Configuration;
using EventLedger.Archive.Format;
using EventLedger.Archive.Targets;
using EventLedger.Archive.Writing;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.Projections.Contracts;
using EventLedger.Projections.Tests.Support;
using EventLedger.Streams.Leases;
using Microsoft.Extensions.Logging.Abstractions;
using static EventLedger.IntegrationTests.Archive.ArchiveTestSupport;

namespace EventLedger.IntegrationTests.Archive;

/// <summary>
/// The writer's commit protocol at the instants a kill cannot be aimed at: between storing an object and committing it, and
/// with two writers of one shard (a host that lost its lease without knowing). Real DynamoDB Local and a real directory; the
/// target only fails when told to.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ArchiveCommitTests(StackFixture stack)
{
    private const string Subscription = "archive-v1";
    private const string Shard = "shardId-0001";

    [Fact]
    public async Task A_store_interrupted_after_the_object_is_adopted_by_the_next_writer_not_written_twice()
    {
        var (directory, log, leases) = await SetUpAsync("adopt");
        var target = new FailingTarget(new LocalDirectoryTarget(directory)) { FailManifestPuts = 1 };
        var events = Log(40);

        // The first writer stores the object, then "dies" before its manifest entry and its commit.
        await using (var first = Writer(directory, target, log))
        {
            await first.GetAsync(Subscription, Shard, default);
            await first.ApplyAsync(Batch(events, 0, 40), default);
            var failed = await Assert.ThrowsAsync<StoreUnavailableException>(() => first.FlushAsync(default));
            Assert.Contains("manifest entry", failed.Message, StringComparison.Ordinal);
        }

        Assert.Single(await ObjectsAsync(directory));
        Assert.Null((await log.ReadAsync(Subscription, Shard, default)).Checkpoint);
        Assert.NotNull((await log.ReadAsync(Subscription, Shard, default)).PendingEntry);

        // The next writer is delivered the same records again, in other batches, and stores when its buffer is full.
        await using (var second = Writer(directory, target, log))
        {
            Assert.Null(await second.GetAsync(Subscription, Shard, default));
            await second.ApplyAsync(Batch(events, 0, 25), default);
            await second.ApplyAsync(Batch(events, 25, 40), default);
            await second.FlushAsync(default);
        }

        var objects = await ObjectsAsync(directory);
        var keys = objects.SelectMany(o => o.Events).Select(e => (e.StreamId, e.Version)).ToList();
        Assert.Equal(events.Count, keys.Count);
        Assert.Equal(keys.Count, keys.Distinct().Count());
        var state = await log.ReadAsync(Subscription, Shard, default);
        Assert.Equal(Sequence(40), state.Checkpoint);
        Assert.Null(state.PendingEntry);
        var entry = ManifestEntry.Parse(await File.ReadAllTextAsync(Path.Combine(directory, ArchiveLayout.ManifestKeyOf(objects[0].Key)!)));
        Assert.Equal(ArchiveLayout.ShardStart, entry.From);
        Assert.Equal(Sequence(40), entry.To);
    }

    [Fact]
    public async Task A_claim_whose_object_never_arrived_is_withdrawn_and_the_buffer_stored_afresh()
    {
        var (directory, log, leases) = await SetUpAsync("withdraw");
        var target = new FailingTarget(new LocalDirectoryTarget(directory)) { FailObjectPuts = 1 };
        var events = Log(30);
        await using (var first = Writer(directory, target, log))
        {
            await first.GetAsync(Subscription, Shard, default);
            await first.ApplyAsync(Batch(events, 0, 30), default);
            await Assert.ThrowsAsync<StoreUnavailableException>(() => first.FlushAsync(default));
        }

        Assert.Empty(await ObjectsAsync(directory));
        await using (var second = Writer(directory, target, log))
        {
            await second.GetAsync(Subscription, Shard, default);
            await second.ApplyAsync(Batch(events, 0, 10), default);
            await second.ApplyAsync(Batch(events, 10, 30), default);
            await second.FlushAsync(default);
        }

        var objects = await ObjectsAsync(directory);
        Assert.Equal(30, Assert.Single(objects).Events.Count);
        Assert.Equal(Sequence(30), (await log.ReadAsync(Subscription, Shard, default)).Checkpoint);
    }

    [Fact]
    public async Task Two_writers_of_one_shard_store_each_event_once_whichever_commits_first()
    {
        var (directory, log, leases) = await SetUpAsync("two");
        var target = new LocalDirectoryTarget(directory);
        var events = Log(60);
        await using var stale = Writer(directory, target, log);
        await using var owner = Writer(directory, target, log);
        await stale.GetAsync(Subscription, Shard, default);
        await owner.GetAsync(Subscription, Shard, default);

        // The stale writer buffered 0..25 before it lost the lease; the new owner is delivered 0..40 and stores first.
        await stale.ApplyAsync(Batch(events, 0, 25), default);
        await owner.ApplyAsync(Batch(events, 0, 40), default);
        await owner.FlushAsync(default);

        // The stale writer's store now finds the position moved: it drops what the owner stored and stores nothing twice.
        await stale.FlushAsync(default);
        await owner.ApplyAsync(Batch(events, 40, 60), default);
        await owner.FlushAsync(default);

        var keys = (await ObjectsAsync(directory)).SelectMany(o => o.Events).Select(e => (e.StreamId, e.Version)).ToList();
        Assert.Equal(events.Count, keys.Count);
        Assert.Equal(keys.Count, keys.Distinct().Count());
        Assert.Equal(Sequence(60), (await log.ReadAsync(Subscription, Shard, default)).Checkpoint);
    }

    private async Task<(string Directory, ArchiveCommitLog Log, DynamoDbLeaseStore Leases)> SetUpAsync(string name)
    {
        var prefix = StackFixture.NewPrefix(name);
        var leases = new DynamoDbLeaseStore(stack.DynamoDb, prefix + "leases");
        await leases.EnsureTableAsync(default);
        return (NewDirectory(name), new ArchiveCommitLog(stack.DynamoDb, prefix + "leases", TimeProvider.System), leases);
    }

    private static ArchiveWriter Writer(string directory, IArchiveTarget target, ArchiveCommitLog log) =>
        // A buffer size no batch reaches and an interval no test waits for: stores happen where the test says.
        new("archive", 1, new ArchiveOptions { Directory = directory, BufferSize = "100MB", BufferInterval = "900" }.Resolve(), target, log, TimeProvider.System, NullLogger.Instance);

    private static List<EventLedger.EventStore.Events.StoredEvent> Log(int count)
    {
        var log = new EventLog();
        for (var i = 0; i < count; i++) log.On($"W-{i % 4}").Record($"t{i}", i, "USA");
        return [.. log.Events];
    }

    /// <summary>Records <paramref name="from"/> up to <paramref name="to"/> (exclusive) as one batch; record n has sequence number n + 1.</summary>
    private static ProjectionBatch Batch(List<EventLedger.EventStore.Events.StoredEvent> events, int from, int to) =>
        new(events[from..to], new StreamPosition(Subscription, Shard, Sequence(to)));

    private static string Sequence(int n) => (1000 + n).ToString("D21", CultureInfo.InvariantCulture);

    /// <summary>A real target that fails the next N object or manifest puts, after or instead of writing, as a crash would leave it.</summary>
    private sealed class FailingTarget(IArchiveTarget inner) : IArchiveTarget
    {
        public int FailObjectPuts { get; set; }
        public int FailManifestPuts { get; set; }
        public string Location => inner.Location;
        public string? LocalRoot => inner.LocalRoot;
        public Task EnsureReadyAsync(CancellationToken cancellationToken) => inner.EnsureReadyAsync(cancellationToken);

        public Task PutAsync(string key, byte[] content, bool retain, CancellationToken cancellationToken)
        {
            if (key.StartsWith(ArchiveLayout.ManifestFolder, StringComparison.Ordinal) && FailManifestPuts > 0)
            {
                FailManifestPuts--;
                throw new IOException("crash before the manifest entry");
            }

            if (key.StartsWith(ArchiveLayout.DataFolder, StringComparison.Ordinal) && FailObjectPuts > 0)
            {
                FailObjectPuts--;
                throw new IOException("crash before the object");
            }

            return inner.PutAsync(key, content, retain, cancellationToken);
        }

        public Task<byte[]?> GetAsync(string key, CancellationToken cancellationToken) => inner.GetAsync(key, cancellationToken);
        public Task<bool> DownloadAsync(string key, string path, CancellationToken cancellationToken) => inner.DownloadAsync(key, path, cancellationToken);
        public Task<bool> ExistsAsync(string key, CancellationToken cancellationToken) => inner.ExistsAsync(key, cancellationToken);

        public IAsyncEnumerable<ArchiveObjectInfo> ListAsync(string prefix, string? startAfter, CancellationToken cancellationToken) =>
            inner.ListAsync(prefix, startAfter, cancellationToken);

        public Task DeleteAsync(string key, CancellationToken cancellationToken) => inner.DeleteAsync(key, cancellationToken);
        public void Dispose() => inner.Dispose();
    }
}
