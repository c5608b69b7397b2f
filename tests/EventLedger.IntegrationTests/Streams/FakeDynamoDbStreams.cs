using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.Streams.Client;
using EventLedger.Streams.Client.Model;
using Record = EventLedger.Streams.Client.Model.Record;
using ResourceNotFoundException = EventLedger.Streams.Client.ResourceNotFoundException;

namespace EventLedger.IntegrationTests.Streams;

/// <summary>
/// An in-memory DynamoDB stream for what DynamoDB Local cannot do: several shards, shards that close and split into children,
/// throttling. Keys are (pk S, sk N) like <see cref="StreamTables"/>. Thread-safe.
/// </summary>
internal sealed class FakeDynamoDbStreams : IDynamoDbStreams
{
    public const string StreamArn = "arn:aws:dynamodb:fake:000000000000:table/fake/stream/2026-01-01T00:00:00.000";

    private readonly Lock _gate = new();
    private readonly List<FakeShard> _shards = [];
    private long _sequence;
    private int _throttleNext;

    /// <summary>Shards per DescribeStream page (to exercise pagination).</summary>
    public int DescribePageSize { get; set; } = 2;

    public int GetRecordsCalls { get; private set; }
    public int ThrottledCalls { get; private set; }

    public void AddShard(string shardId, string? parentShardId = null)
    {
        lock (_gate)
        {
            _shards.Add(new FakeShard(shardId, parentShardId));
        }
    }

    /// <summary>Appends an INSERT of (pk, sk); returns its sequence number.</summary>
    public string Append(string shardId, string pk, int sk, DateTime? createdAt = null)
    {
        lock (_gate)
        {
            var shard = Find(shardId);
            if (shard.Closed)
            {
                throw new InvalidOperationException($"Shard {shardId} is closed.");
            }

            var sequence = (++_sequence * 100).ToString(CultureInfo.InvariantCulture).PadLeft(21, '0');
            var keys = StreamTables.Item(pk, sk);
            shard.Records.Add(new Record
            {
                EventID = Guid.NewGuid().ToString(),
                EventName = OperationType.INSERT,
                EventSource = "aws:dynamodb",
                EventVersion = "1.1",
                AwsRegion = "fake",
                Dynamodb = new StreamRecord
                {
                    ApproximateCreationDateTime = createdAt ?? DateTime.UtcNow,
                    Keys = keys,
                    NewImage = StreamTables.Item(pk, sk, $"{pk}#{sk}"),
                    SequenceNumber = sequence,
                    SizeBytes = 50,
                    StreamViewType = EventLedger.Streams.Client.Model.StreamViewType.NEW_IMAGE,
                },
            });
            return sequence;
        }
    }

    public void Close(string shardId)
    {
        lock (_gate)
        {
            Find(shardId).Closed = true;
        }
    }

    /// <summary>Drops the first <paramref name="count"/> records of a shard, as the 24-hour retention would.</summary>
    public void Trim(string shardId, int count)
    {
        lock (_gate)
        {
            Find(shardId).TrimmedBefore = count;
        }
    }

    /// <summary>The next <paramref name="calls"/> GetRecords calls fail with <see cref="StreamsThrottledException"/>.</summary>
    public void ThrottleNext(int calls)
    {
        lock (_gate)
        {
            _throttleNext = calls;
        }
    }

    public Task<ListStreamsResponse> ListStreamsAsync(ListStreamsRequest request, CancellationToken cancellationToken = default) =>
        Task.FromResult(new ListStreamsResponse { Streams = [new() { StreamArn = StreamArn, TableName = "fake", StreamLabel = "2026-01-01T00:00:00.000" }] });

    public Task<DescribeStreamResponse> DescribeStreamAsync(DescribeStreamRequest request, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var start = request.ExclusiveStartShardId is { } after ? _shards.FindIndex(s => s.Id == after) + 1 : 0;
            var page = _shards.Skip(start).Take(request.Limit ?? DescribePageSize).ToList();
            var more = start + page.Count < _shards.Count;
            return Task.FromResult(new DescribeStreamResponse
            {
                StreamDescription = new StreamDescription
                {
                    StreamArn = StreamArn,
                    TableName = "fake",
                    StreamStatus = StreamStatus.ENABLED,
                    StreamViewType = EventLedger.Streams.Client.Model.StreamViewType.NEW_IMAGE,
                    KeySchema = [new KeySchemaElement("pk", KeyType.HASH), new KeySchemaElement("sk", KeyType.RANGE)],
                    Shards = page.Select(s => new Shard
                    {
                        ShardId = s.Id,
                        ParentShardId = s.Parent,
                        SequenceNumberRange = new SequenceNumberRange
                        {
                            StartingSequenceNumber = s.Records.Skip(s.TrimmedBefore).FirstOrDefault()?.Dynamodb.SequenceNumber ?? "0",
                            EndingSequenceNumber = s.Closed ? s.Records.LastOrDefault()?.Dynamodb.SequenceNumber ?? "0" : null,
                        },
                    }).ToList(),
                    LastEvaluatedShardId = more ? page[^1].Id : null,
                },
            });
        }
    }

    public Task<GetShardIteratorResponse> GetShardIteratorAsync(GetShardIteratorRequest request, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var shard = Find(request.ShardId);
            int position;
            if (request.ShardIteratorType == ShardIteratorType.TRIM_HORIZON)
            {
                position = shard.TrimmedBefore;
            }
            else if (request.ShardIteratorType == ShardIteratorType.LATEST)
            {
                position = shard.Records.Count;
            }
            else
            {
                var target = decimal.Parse(request.SequenceNumber!, CultureInfo.InvariantCulture);
                var after = request.ShardIteratorType == ShardIteratorType.AFTER_SEQUENCE_NUMBER;
                position = shard.Records.FindIndex(r => after
                    ? decimal.Parse(r.Dynamodb.SequenceNumber, CultureInfo.InvariantCulture) > target
                    : decimal.Parse(r.Dynamodb.SequenceNumber, CultureInfo.InvariantCulture) >= target);
                if (position < 0)
                {
                    position = shard.Records.Count;
                }

                if (position < shard.TrimmedBefore)
                {
                    throw new TrimmedDataAccessException($"Sequence number {request.SequenceNumber} is beyond the trim horizon.");
                }
            }

            return Task.FromResult(new GetShardIteratorResponse { ShardIterator = $"{shard.Id}|{position}" });
        }
    }

    public Task<GetRecordsResponse> GetRecordsAsync(GetRecordsRequest request, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            GetRecordsCalls++;
            if (_throttleNext > 0)
            {
                _throttleNext--;
                ThrottledCalls++;
                throw new StreamsThrottledException("Rate exceeded for shard", "LimitExceededException", null, System.Net.HttpStatusCode.BadRequest);
            }

            var parts = request.ShardIterator.Split('|');
            var shard = Find(parts[0]);
            var position = int.Parse(parts[1], CultureInfo.InvariantCulture);
            if (position < shard.TrimmedBefore)
            {
                throw new TrimmedDataAccessException("The iterator points at trimmed records.");
            }

            var records = shard.Records.Skip(position).Take(request.Limit ?? 1000).ToList();
            var next = position + records.Count;
            return Task.FromResult(new GetRecordsResponse
            {
                Records = records,
                NextShardIterator = shard.Closed && next >= shard.Records.Count ? null : $"{shard.Id}|{next}",
            });
        }
    }

    public void Dispose()
    {
    }

    private FakeShard Find(string shardId) =>
        _shards.FirstOrDefault(s => s.Id == shardId) ?? throw new ResourceNotFoundException($"Shard {shardId} not found.");

    private sealed class FakeShard(string id, string? parent)
    {
        public string Id { get; } = id;
        public string? Parent { get; } = parent;
        public List<Record> Records { get; } = [];
        public bool Closed { get; set; }
        public int TrimmedBefore { get; set; }
    }
}
