using Microsoft.Extensions.Time.Testing;
using EventLedger.Streams.Client;
using EventLedger.Streams.Client.Model;

namespace EventLedger.IntegrationTests.Streams;

/// <summary>
/// The projection host's shared stream page cache: readers at one position share a GetRecords call, and what it keeps on
/// the heap stays within its record bound and its page lifetime (ProjectionHostOptions.SharedPageRecords, SharedPageLifetime).
/// </summary>
public sealed class SharedStreamReadsTests
{
    [Fact]
    public async Task Two_readers_at_one_position_share_one_GetRecords_call()
    {
        using var fake = Shard(records: 100);
        using var shared = new SharedStreamReads(fake, maxCachedRecords: 1_000, pageLifetime: TimeSpan.FromMinutes(1));
        var first = await shared.GetRecordsAsync(new GetRecordsRequest { ShardIterator = await TrimHorizonAsync(shared), Limit = 50 });
        var second = await shared.GetRecordsAsync(new GetRecordsRequest { ShardIterator = await TrimHorizonAsync(shared), Limit = 50 });
        Assert.Equal(50, first.Records.Count);
        Assert.Equal(first.Records.Select(r => r.Dynamodb.SequenceNumber), second.Records.Select(r => r.Dynamodb.SequenceNumber));
        Assert.Equal(1, fake.GetRecordsCalls);
    }

    [Fact]
    public async Task A_reader_behind_takes_the_cached_pages_after_its_position_in_one_call()
    {
        using var fake = Shard(records: 30);
        using var shared = new SharedStreamReads(fake, maxCachedRecords: 1_000, pageLifetime: TimeSpan.FromMinutes(1));
        var ahead = await TrimHorizonAsync(shared);
        for (var i = 0; i < 3; i++)
        {
            ahead = (await shared.GetRecordsAsync(new GetRecordsRequest { ShardIterator = ahead, Limit = 10 })).NextShardIterator!;
        }

        Assert.Equal(3, fake.GetRecordsCalls);
        var behind = await shared.GetRecordsAsync(new GetRecordsRequest { ShardIterator = await TrimHorizonAsync(shared), Limit = 100 });
        Assert.Equal(30, behind.Records.Count); // three pages, no call
        Assert.Equal(3, fake.GetRecordsCalls);
        Assert.Equal(ahead, behind.NextShardIterator);

        var limited = await shared.GetRecordsAsync(new GetRecordsRequest { ShardIterator = await TrimHorizonAsync(shared), Limit = 15 });
        Assert.Equal(15, limited.Records.Count);
        var rest = await shared.GetRecordsAsync(new GetRecordsRequest { ShardIterator = limited.NextShardIterator!, Limit = 100 });
        Assert.Equal(behind.Records.Skip(15).Select(r => r.Dynamodb.SequenceNumber), rest.Records.Select(r => r.Dynamodb.SequenceNumber));
        Assert.Equal(4, fake.GetRecordsCalls); // position 15 was never read as a page: one call from there
    }

    [Fact]
    public async Task The_cache_keeps_at_most_its_record_bound()
    {
        using var fake = Shard(records: 5_000);
        using var shared = new SharedStreamReads(fake, maxCachedRecords: 1_000, pageLifetime: TimeSpan.FromMinutes(10));
        var iterator = await TrimHorizonAsync(shared);
        var read = 0;
        while (read < 5_000)
        {
            var page = await shared.GetRecordsAsync(new GetRecordsRequest { ShardIterator = iterator, Limit = 300 });
            read += page.Records.Count;
            iterator = page.NextShardIterator!;
            Assert.InRange(shared.CachedRecords, 0, 1_000);
        }

        Assert.Equal(5_000, read);
        Assert.InRange(shared.CachedRecords, 300, 1_000);
    }

    [Fact]
    public async Task Pages_older_than_the_lifetime_are_dropped()
    {
        using var fake = Shard(records: 1_000);
        var time = new FakeTimeProvider();
        using var shared = new SharedStreamReads(fake, maxCachedRecords: 100_000, pageLifetime: TimeSpan.FromMilliseconds(200), time);
        var iterator = await TrimHorizonAsync(shared);
        for (var i = 0; i < 3; i++)
        {
            iterator = (await shared.GetRecordsAsync(new GetRecordsRequest { ShardIterator = iterator, Limit = 100 })).NextShardIterator!;
        }

        Assert.Equal(300, shared.CachedRecords);
        time.Advance(TimeSpan.FromMilliseconds(400));
        await shared.GetRecordsAsync(new GetRecordsRequest { ShardIterator = iterator, Limit = 100 });
        Assert.Equal(100, shared.CachedRecords); // only the page just read
        Assert.Equal(1, shared.CachedPages);
    }

    private static FakeDynamoDbStreams Shard(int records)
    {
        var fake = new FakeDynamoDbStreams();
        fake.AddShard("shard-1");
        for (var i = 1; i <= records; i++) fake.Append("shard-1", $"INV-{i % 50}", i);
        return fake;
    }

    private static async Task<string> TrimHorizonAsync(SharedStreamReads shared) =>
        (await shared.GetShardIteratorAsync(new GetShardIteratorRequest
        {
            StreamArn = FakeDynamoDbStreams.StreamArn,
            ShardId = "shard-1",
            ShardIteratorType = ShardIteratorType.TRIM_HORIZON,
        })).ShardIterator!;
}
