using System.Text.Json;
using KeyType = Amazon.DynamoDBv2.KeyType;
using Amazon.DynamoDBv2.Model;
using EventLedger.Streams.Client.Model;

namespace EventLedger.Streams.Client;

/// <summary>Request bodies and response parsing for the four DynamoDB Streams operations (JSON 1.0 protocol).</summary>
internal static class StreamsJson
{
    public static void Write(Utf8JsonWriter writer, ListStreamsRequest request)
    {
        writer.WriteStartObject();
        WriteIfSet(writer, "TableName", request.TableName);
        WriteIfSet(writer, "Limit", request.Limit);
        WriteIfSet(writer, "ExclusiveStartStreamArn", request.ExclusiveStartStreamArn);
        writer.WriteEndObject();
    }

    public static void Write(Utf8JsonWriter writer, DescribeStreamRequest request)
    {
        writer.WriteStartObject();
        writer.WriteString("StreamArn", request.StreamArn);
        WriteIfSet(writer, "Limit", request.Limit);
        WriteIfSet(writer, "ExclusiveStartShardId", request.ExclusiveStartShardId);
        writer.WriteEndObject();
    }

    public static void Write(Utf8JsonWriter writer, GetShardIteratorRequest request)
    {
        writer.WriteStartObject();
        writer.WriteString("StreamArn", request.StreamArn);
        writer.WriteString("ShardId", request.ShardId);
        writer.WriteString("ShardIteratorType", request.ShardIteratorType.Value);
        WriteIfSet(writer, "SequenceNumber", request.SequenceNumber);
        writer.WriteEndObject();
    }

    public static void Write(Utf8JsonWriter writer, GetRecordsRequest request)
    {
        writer.WriteStartObject();
        writer.WriteString("ShardIterator", request.ShardIterator);
        WriteIfSet(writer, "Limit", request.Limit);
        writer.WriteEndObject();
    }

    public static ListStreamsResponse ReadListStreams(JsonElement root)
    {
        var response = new ListStreamsResponse();
        if (root.TryGetProperty("Streams", out var streams))
        {
            foreach (var item in streams.EnumerateArray())
            {
                response.Streams.Add(new Model.Stream
                {
                    StreamArn = String(item, "StreamArn") ?? "",
                    StreamLabel = String(item, "StreamLabel"),
                    TableName = String(item, "TableName"),
                });
            }
        }

        response.LastEvaluatedStreamArn = String(root, "LastEvaluatedStreamArn");
        return response;
    }

    public static DescribeStreamResponse ReadDescribeStream(JsonElement root)
    {
        var description = new StreamDescription();
        if (root.TryGetProperty("StreamDescription", out var d))
        {
            description.StreamArn = String(d, "StreamArn") ?? "";
            description.StreamLabel = String(d, "StreamLabel");
            description.StreamStatus = String(d, "StreamStatus") is { } status ? StreamStatus.FindValue(status) : null;
            description.StreamViewType = String(d, "StreamViewType") is { } view ? StreamViewType.FindValue(view) : null;
            description.CreationRequestDateTime = d.TryGetProperty("CreationRequestDateTime", out var created)
                ? StreamRecordJson.FromEpochSeconds(created)
                : null;
            description.TableName = String(d, "TableName");
            description.LastEvaluatedShardId = String(d, "LastEvaluatedShardId");
            if (d.TryGetProperty("KeySchema", out var keySchema))
            {
                foreach (var key in keySchema.EnumerateArray())
                {
                    description.KeySchema.Add(new KeySchemaElement(String(key, "AttributeName"), KeyType.FindValue(String(key, "KeyType"))));
                }
            }

            if (d.TryGetProperty("Shards", out var shards))
            {
                foreach (var item in shards.EnumerateArray())
                {
                    var shard = new Shard { ShardId = String(item, "ShardId") ?? "", ParentShardId = String(item, "ParentShardId") };
                    if (item.TryGetProperty("SequenceNumberRange", out var range))
                    {
                        shard.SequenceNumberRange.StartingSequenceNumber = String(range, "StartingSequenceNumber");
                        shard.SequenceNumberRange.EndingSequenceNumber = String(range, "EndingSequenceNumber");
                    }

                    description.Shards.Add(shard);
                }
            }
        }

        return new DescribeStreamResponse { StreamDescription = description };
    }

    public static GetShardIteratorResponse ReadGetShardIterator(JsonElement root) =>
        new() { ShardIterator = String(root, "ShardIterator") };

    public static GetRecordsResponse ReadGetRecords(JsonElement root)
    {
        var response = new GetRecordsResponse { NextShardIterator = String(root, "NextShardIterator") };
        if (root.TryGetProperty("Records", out var records))
        {
            response.Records.Capacity = records.GetArrayLength();
            foreach (var item in records.EnumerateArray())
            {
                response.Records.Add(StreamRecordJson.Read(item));
            }
        }

        return response;
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static void WriteIfSet(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteIfSet(Utf8JsonWriter writer, string name, int? value)
    {
        if (value is { } v)
        {
            writer.WriteNumber(name, v);
        }
    }
}
