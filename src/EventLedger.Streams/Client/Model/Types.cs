using Amazon.DynamoDBv2.Model;

namespace EventLedger.Streams.Client.Model;

/// <summary>One stream of a table (named like <c>Amazon.DynamoDBStreams.Model.Stream</c>).</summary>
public class Stream
{
    public string StreamArn { get; set; } = "";
    public string? StreamLabel { get; set; }
    public string? TableName { get; set; }
}

public class StreamDescription
{
    public string StreamArn { get; set; } = "";
    public string? StreamLabel { get; set; }
    public StreamStatus? StreamStatus { get; set; }
    public StreamViewType? StreamViewType { get; set; }
    public DateTime? CreationRequestDateTime { get; set; }
    public string? TableName { get; set; }
    public List<KeySchemaElement> KeySchema { get; set; } = [];
    public List<Shard> Shards { get; set; } = [];

    /// <summary>Set when more shards follow: pass it as <see cref="DescribeStreamRequest.ExclusiveStartShardId"/>.</summary>
    public string? LastEvaluatedShardId { get; set; }
}

public class Shard
{
    public string ShardId { get; set; } = "";
    public string? ParentShardId { get; set; }
    public SequenceNumberRange SequenceNumberRange { get; set; } = new();
}

public class SequenceNumberRange
{
    public string? StartingSequenceNumber { get; set; }

    /// <summary>Null while the shard is open.</summary>
    public string? EndingSequenceNumber { get; set; }
}

public class Record
{
    public string? AwsRegion { get; set; }
    public StreamRecord Dynamodb { get; set; } = new();
    public string? EventID { get; set; }
    public OperationType? EventName { get; set; }
    public string? EventSource { get; set; }
    public string? EventVersion { get; set; }
    public Identity? UserIdentity { get; set; }
}

public class Identity
{
    public string? PrincipalId { get; set; }
    public string? Type { get; set; }
}

public class StreamRecord
{
    public DateTime? ApproximateCreationDateTime { get; set; }
    public Dictionary<string, AttributeValue> Keys { get; set; } = [];
    public Dictionary<string, AttributeValue>? NewImage { get; set; }
    public Dictionary<string, AttributeValue>? OldImage { get; set; }
    public string SequenceNumber { get; set; } = "";
    public long? SizeBytes { get; set; }
    public StreamViewType? StreamViewType { get; set; }
}
