using System.Text;
using Amazon.DynamoDBv2.Model;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.Streams.Client;
using EventLedger.Streams.Client.Model;
using Record = EventLedger.Streams.Client.Model.Record;
using ResourceNotFoundException = EventLedger.Streams.Client.ResourceNotFoundException;
using StreamViewType = EventLedger.Streams.Client.Model.StreamViewType;

namespace EventLedger.IntegrationTests.Streams;

[Collection(StackCollection.Name)]
public sealed class DynamoDbStreamsClientTests(StackFixture fixture) : IDisposable
{
    private readonly DynamoDbStreamsClient _client = StreamsClients.For(fixture);
    private readonly string _table = StackFixture.NewPrefix("client") + "items";

    public void Dispose() => _client.Dispose();

    [Fact]
    public async Task Lists_and_describes_the_table_stream()
    {
        var arn = await StreamTables.CreateAsync(fixture.DynamoDb, _table, Amazon.DynamoDBv2.StreamViewType.NEW_AND_OLD_IMAGES);

        var listed = await _client.ListStreamsAsync(new ListStreamsRequest { TableName = _table });
        var described = await _client.DescribeStreamAsync(new DescribeStreamRequest { StreamArn = arn });

        Assert.Contains(listed.Streams, s => s.StreamArn == arn && s.TableName == _table);
        var description = described.StreamDescription;
        Assert.Equal(arn, description.StreamArn);
        Assert.Equal(_table, description.TableName);
        Assert.Equal(StreamViewType.NEW_AND_OLD_IMAGES, description.StreamViewType);
        Assert.Equal(StreamStatus.ENABLED, description.StreamStatus);
        Assert.Contains(description.KeySchema, k => k.AttributeName == "pk" && k.KeyType == Amazon.DynamoDBv2.KeyType.HASH);
        var shard = Assert.Single(description.Shards);
        Assert.StartsWith("shardId-", shard.ShardId, StringComparison.Ordinal);
        Assert.Null(shard.SequenceNumberRange.EndingSequenceNumber);
    }

    [Fact]
    public async Task Reads_inserts_modifies_and_removes_with_every_attribute_type_decoded()
    {
        var arn = await StreamTables.CreateAsync(fixture.DynamoDb, _table, Amazon.DynamoDBv2.StreamViewType.NEW_AND_OLD_IMAGES);
        var item = RichItem();
        await fixture.DynamoDb.PutItemAsync(_table, item);
        await fixture.DynamoDb.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = _table,
            Key = StreamTables.Item("inv-1", 1),
            UpdateExpression = "SET amount = :a",
            ExpressionAttributeValues = new Dictionary<string, AttributeValue> { [":a"] = new() { N = "-0.0001" } },
        });
        await fixture.DynamoDb.DeleteItemAsync(_table, StreamTables.Item("inv-1", 1));

        var records = await ReadAllAsync(arn, expected: 3);

        Assert.Equal([OperationType.INSERT, OperationType.MODIFY, OperationType.REMOVE], records.Select(r => r.EventName));
        var insert = records[0].Dynamodb;
        Assert.Equal("inv-1", insert.Keys["pk"].S);
        Assert.Equal("1", insert.Keys["sk"].N);
        Assert.Null(insert.OldImage);
        AssertSameImage(item, insert.NewImage!);
        Assert.Equal(StreamViewType.NEW_AND_OLD_IMAGES, insert.StreamViewType);
        Assert.True(insert.SizeBytes > 0);
        Assert.InRange(insert.ApproximateCreationDateTime!.Value, DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddMinutes(1));
        Assert.Equal("-0.0001", records[1].Dynamodb.NewImage!["amount"].N);
        Assert.Equal("12.5", records[1].Dynamodb.OldImage!["amount"].N);
        Assert.Null(records[2].Dynamodb.NewImage);
        AssertSameImage(records[1].Dynamodb.NewImage!, records[2].Dynamodb.OldImage!);
        Assert.True(string.CompareOrdinal(records[0].Dynamodb.SequenceNumber, records[1].Dynamodb.SequenceNumber) < 0
            || records[0].Dynamodb.SequenceNumber.Length < records[1].Dynamodb.SequenceNumber.Length);
        Assert.All(records, r => Assert.Equal("aws:dynamodb", r.EventSource));
    }

    [Fact]
    public async Task After_sequence_number_iterator_resumes_after_that_record()
    {
        var arn = await StreamTables.CreateAsync(fixture.DynamoDb, _table);
        await StreamTables.WriteRoundsAsync(fixture.DynamoDb, _table, ["a"], 1, 5);
        var all = await ReadAllAsync(arn, expected: 5);
        var shardId = (await _client.DescribeStreamAsync(new DescribeStreamRequest { StreamArn = arn })).StreamDescription.Shards[0].ShardId;

        var iterator = await _client.GetShardIteratorAsync(new GetShardIteratorRequest
        {
            StreamArn = arn,
            ShardId = shardId,
            ShardIteratorType = ShardIteratorType.AFTER_SEQUENCE_NUMBER,
            SequenceNumber = all[2].Dynamodb.SequenceNumber,
        });
        var rest = await _client.GetRecordsAsync(new GetRecordsRequest { ShardIterator = iterator.ShardIterator!, Limit = 100 });

        Assert.Equal([4, 5], rest.Records.Select(r => StreamTables.KeyOf(r).Sk));
        Assert.NotNull(rest.NextShardIterator);
    }

    [Fact]
    public async Task Limit_pages_through_records_with_next_iterators()
    {
        var arn = await StreamTables.CreateAsync(fixture.DynamoDb, _table);
        await StreamTables.WriteRoundsAsync(fixture.DynamoDb, _table, ["a"], 1, 7);
        var shardId = (await _client.DescribeStreamAsync(new DescribeStreamRequest { StreamArn = arn })).StreamDescription.Shards[0].ShardId;
        var iterator = (await _client.GetShardIteratorAsync(new GetShardIteratorRequest { StreamArn = arn, ShardId = shardId, ShardIteratorType = ShardIteratorType.TRIM_HORIZON })).ShardIterator!;

        var seen = new List<int>();
        await Probe.UntilAsync(async () =>
        {
            var page = await _client.GetRecordsAsync(new GetRecordsRequest { ShardIterator = iterator, Limit = 3 });
            Assert.InRange(page.Records.Count, 0, 3);
            seen.AddRange(page.Records.Select(r => StreamTables.KeyOf(r).Sk));
            iterator = page.NextShardIterator!;
            return seen.Count >= 7;
        }, "7 records read three at a time", state: () => string.Join(',', seen));

        Assert.Equal([1, 2, 3, 4, 5, 6, 7], seen);
    }

    [Fact]
    public async Task A_stale_iterator_is_an_expired_iterator()
    {
        var arn = await StreamTables.CreateAsync(fixture.DynamoDb, _table);
        var shardId = (await _client.DescribeStreamAsync(new DescribeStreamRequest { StreamArn = arn })).StreamDescription.Shards[0].ShardId;
        var iterator = (await _client.GetShardIteratorAsync(new GetShardIteratorRequest { StreamArn = arn, ShardId = shardId, ShardIteratorType = ShardIteratorType.TRIM_HORIZON })).ShardIterator!;

        var error = await Assert.ThrowsAsync<ExpiredIteratorException>(() =>
            _client.GetRecordsAsync(new GetRecordsRequest { ShardIterator = LocalIterators.MakeStale(iterator) }));

        Assert.Equal("ExpiredIteratorException", error.ErrorCode);
    }

    [Fact]
    public async Task A_malformed_iterator_is_a_validation_error_with_its_code()
    {
        await StreamTables.CreateAsync(fixture.DynamoDb, _table);

        var error = await Assert.ThrowsAsync<DynamoDbStreamsException>(() =>
            _client.GetRecordsAsync(new GetRecordsRequest { ShardIterator = "not-an-iterator" }));

        Assert.Equal("ValidationException", error.ErrorCode);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, error.StatusCode);
    }

    [Fact]
    public async Task An_unknown_stream_is_a_resource_not_found()
    {
        var arn = await StreamTables.CreateAsync(fixture.DynamoDb, _table);

        var error = await Assert.ThrowsAsync<ResourceNotFoundException>(() =>
            _client.DescribeStreamAsync(new DescribeStreamRequest { StreamArn = arn.Replace(_table, _table + "-missing", StringComparison.Ordinal) }));

        Assert.Equal("ResourceNotFoundException", error.ErrorCode);
    }

    private async Task<List<Record>> ReadAllAsync(string arn, int expected)
    {
        var shardId = (await _client.DescribeStreamAsync(new DescribeStreamRequest { StreamArn = arn })).StreamDescription.Shards[0].ShardId;
        var iterator = (await _client.GetShardIteratorAsync(new GetShardIteratorRequest { StreamArn = arn, ShardId = shardId, ShardIteratorType = ShardIteratorType.TRIM_HORIZON })).ShardIterator!;
        var records = new List<Record>();
        await Probe.UntilAsync(async () =>
        {
            var page = await _client.GetRecordsAsync(new GetRecordsRequest { ShardIterator = iterator });
            records.AddRange(page.Records);
            iterator = page.NextShardIterator!;
            return records.Count >= expected;
        }, $"{expected} stream records", state: () => $"{records.Count} records");
        return records;
    }

    internal static Dictionary<string, AttributeValue> RichItem()
    {
        var item = StreamTables.Item("inv-1", 1);
        item["amount"] = new() { N = "12.5" };
        item["name"] = new() { S = "Zoë – €" };
        item["blob"] = new() { B = new MemoryStream([0, 1, 2, 255]) };
        item["flag"] = new() { BOOL = true };
        item["nothing"] = new() { NULL = true };
        item["doc"] = new()
        {
            M = new Dictionary<string, AttributeValue>
            {
                ["lines"] = new() { L = [new() { S = "x" }, new() { N = "2" }, new() { M = new Dictionary<string, AttributeValue> { ["deep"] = new() { BOOL = false } } }] },
            },
        };
        item["tags"] = new() { SS = ["a", "b"] };
        item["nums"] = new() { NS = ["1", "2.5"] };
        item["bins"] = new() { BS = [new MemoryStream(Encoding.UTF8.GetBytes("one")), new MemoryStream([9])] };
        return item;
    }

    internal static void AssertSameImage(Dictionary<string, AttributeValue> expected, Dictionary<string, AttributeValue> actual) =>
        Assert.Equal(Canonical(expected), Canonical(actual));

    /// <summary>An order-insensitive text form of an image (sets compared as sets).</summary>
    internal static string Canonical(Dictionary<string, AttributeValue> map) =>
        "{" + string.Join(",", map.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}:{Canonical(p.Value)}")) + "}";

    private static string Canonical(AttributeValue v) =>
        v.S is not null ? $"S({v.S})"
        : v.N is not null ? $"N({v.N})"
        : v.B is not null ? $"B({Convert.ToBase64String(v.B.ToArray())})"
        : v.BOOL is { } b ? $"BOOL({b})"
        : v.NULL is { } n ? $"NULL({n})"
        : v.M is not null ? $"M{Canonical(v.M)}"
        : v.L is not null ? $"L[{string.Join(",", v.L.Select(Canonical))}]"
        : v.SS is not null ? $"SS[{string.Join(",", v.SS.Order(StringComparer.Ordinal))}]"
        : v.NS is not null ? $"NS[{string.Join(",", v.NS.Order(StringComparer.Ordinal))}]"
        : v.BS is not null ? $"BS[{string.Join(",", v.BS.Select(x => Convert.ToBase64String(x.ToArray())).Order(StringComparer.Ordinal))}]"
        : "EMPTY";
}
