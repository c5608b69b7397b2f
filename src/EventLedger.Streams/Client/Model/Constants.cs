using Amazon.Runtime;

namespace EventLedger.Streams.Client.Model;

/// <summary>Where a shard iterator starts (named like <c>Amazon.DynamoDBStreams.ShardIteratorType</c>).</summary>
public sealed class ShardIteratorType(string value) : ConstantClass(value)
{
    public static readonly ShardIteratorType TRIM_HORIZON = new("TRIM_HORIZON");
    public static readonly ShardIteratorType LATEST = new("LATEST");
    public static readonly ShardIteratorType AT_SEQUENCE_NUMBER = new("AT_SEQUENCE_NUMBER");
    public static readonly ShardIteratorType AFTER_SEQUENCE_NUMBER = new("AFTER_SEQUENCE_NUMBER");

    public static ShardIteratorType FindValue(string value) => FindValue<ShardIteratorType>(value);

    public static implicit operator ShardIteratorType(string value) => FindValue(value);
}

/// <summary>What a stream record carries (named like <c>Amazon.DynamoDBStreams.StreamViewType</c>).</summary>
public sealed class StreamViewType(string value) : ConstantClass(value)
{
    public static readonly StreamViewType KEYS_ONLY = new("KEYS_ONLY");
    public static readonly StreamViewType NEW_IMAGE = new("NEW_IMAGE");
    public static readonly StreamViewType OLD_IMAGE = new("OLD_IMAGE");
    public static readonly StreamViewType NEW_AND_OLD_IMAGES = new("NEW_AND_OLD_IMAGES");

    public static StreamViewType FindValue(string value) => FindValue<StreamViewType>(value);

    public static implicit operator StreamViewType(string value) => FindValue(value);
}

/// <summary>The kind of change (named like <c>Amazon.DynamoDBStreams.OperationType</c>).</summary>
public sealed class OperationType(string value) : ConstantClass(value)
{
    public static readonly OperationType INSERT = new("INSERT");
    public static readonly OperationType MODIFY = new("MODIFY");
    public static readonly OperationType REMOVE = new("REMOVE");

    public static OperationType FindValue(string value) => FindValue<OperationType>(value);

    public static implicit operator OperationType(string value) => FindValue(value);
}

/// <summary>Stream state (named like <c>Amazon.DynamoDBStreams.StreamStatus</c>).</summary>
public sealed class StreamStatus(string value) : ConstantClass(value)
{
    public static readonly StreamStatus ENABLING = new("ENABLING");
    public static readonly StreamStatus ENABLED = new("ENABLED");
    public static readonly StreamStatus DISABLING = new("DISABLING");
    public static readonly StreamStatus DISABLED = new("DISABLED");

    public static StreamStatus FindValue(string value) => FindValue<StreamStatus>(value);

    public static implicit operator StreamStatus(string value) => FindValue(value);
}
