namespace EventLedger.Streams.Client.Model;

// Request and response models named and shaped like Amazon.DynamoDBStreams.Model, so that the official
// AWSSDK.DynamoDBStreams package can replace this client by changing the using directives.

public class ListStreamsRequest
{
    public string? TableName { get; set; }
    public int? Limit { get; set; }
    public string? ExclusiveStartStreamArn { get; set; }
}

public class ListStreamsResponse
{
    public List<Stream> Streams { get; set; } = [];
    public string? LastEvaluatedStreamArn { get; set; }
}

public class DescribeStreamRequest
{
    public string StreamArn { get; set; } = "";
    public int? Limit { get; set; }
    public string? ExclusiveStartShardId { get; set; }
}

public class DescribeStreamResponse
{
    public StreamDescription StreamDescription { get; set; } = new();
}

public class GetShardIteratorRequest
{
    public string StreamArn { get; set; } = "";
    public string ShardId { get; set; } = "";
    public ShardIteratorType ShardIteratorType { get; set; } = ShardIteratorType.TRIM_HORIZON;
    public string? SequenceNumber { get; set; }
}

public class GetShardIteratorResponse
{
    public string? ShardIterator { get; set; }
}

public class GetRecordsRequest
{
    public string ShardIterator { get; set; } = "";
    public int? Limit { get; set; }
}

public class GetRecordsResponse
{
    public List<Record> Records { get; set; } = [];

    /// <summary>Null when the shard is closed and every record in it has been returned.</summary>
    public string? NextShardIterator { get; set; }
}
