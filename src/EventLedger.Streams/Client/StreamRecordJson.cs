using System.Text.Json;
using EventLedger.Streams.Client.Model;

namespace EventLedger.Streams.Client;

/// <summary>
/// A stream <see cref="Record"/> in the DynamoDB Streams wire format (eventID, eventName, dynamodb{Keys, NewImage, ...}).
/// Reading parses GetRecords answers; writing gives the same JSON back, so a record can be stored and read again unchanged.
/// </summary>
public static class StreamRecordJson
{
    public static Record Read(JsonElement element)
    {
        var record = new Record();
        foreach (var property in element.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "awsRegion": record.AwsRegion = value.GetString(); break;
                case "eventID": record.EventID = value.GetString(); break;
                case "eventName": record.EventName = OperationType.FindValue(value.GetString()!); break;
                case "eventSource": record.EventSource = value.GetString(); break;
                case "eventVersion": record.EventVersion = value.GetString(); break;
                case "dynamodb": record.Dynamodb = ReadStreamRecord(value); break;
                case "userIdentity":
                    record.UserIdentity = new Identity
                    {
                        PrincipalId = value.TryGetProperty("PrincipalId", out var p) ? p.GetString() : null,
                        Type = value.TryGetProperty("Type", out var t) ? t.GetString() : null,
                    };
                    break;
                default: break;
            }
        }

        return record;
    }

    public static Record Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return Read(doc.RootElement);
    }

    public static string Serialize(Record record)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, record);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static void Write(Utf8JsonWriter writer, Record record)
    {
        writer.WriteStartObject();
        WriteIfSet(writer, "awsRegion", record.AwsRegion);
        WriteIfSet(writer, "eventID", record.EventID);
        WriteIfSet(writer, "eventName", record.EventName?.Value);
        WriteIfSet(writer, "eventSource", record.EventSource);
        WriteIfSet(writer, "eventVersion", record.EventVersion);
        if (record.UserIdentity is { } identity)
        {
            writer.WriteStartObject("userIdentity");
            WriteIfSet(writer, "PrincipalId", identity.PrincipalId);
            WriteIfSet(writer, "Type", identity.Type);
            writer.WriteEndObject();
        }

        var data = record.Dynamodb;
        writer.WriteStartObject("dynamodb");
        if (data.ApproximateCreationDateTime is { } created)
        {
            writer.WriteNumber("ApproximateCreationDateTime", ToEpochSeconds(created));
        }

        writer.WritePropertyName("Keys");
        AttributeValueJson.WriteMap(writer, data.Keys);
        if (data.NewImage is not null)
        {
            writer.WritePropertyName("NewImage");
            AttributeValueJson.WriteMap(writer, data.NewImage);
        }

        if (data.OldImage is not null)
        {
            writer.WritePropertyName("OldImage");
            AttributeValueJson.WriteMap(writer, data.OldImage);
        }

        writer.WriteString("SequenceNumber", data.SequenceNumber);
        if (data.SizeBytes is { } size)
        {
            writer.WriteNumber("SizeBytes", size);
        }

        WriteIfSet(writer, "StreamViewType", data.StreamViewType?.Value);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    internal static DateTime FromEpochSeconds(JsonElement value) =>
        DateTime.UnixEpoch.AddTicks((long)Math.Round(value.GetDouble() * TimeSpan.TicksPerSecond));

    private static double ToEpochSeconds(DateTime value) =>
        (value.ToUniversalTime() - DateTime.UnixEpoch).Ticks / (double)TimeSpan.TicksPerSecond;

    private static StreamRecord ReadStreamRecord(JsonElement element)
    {
        var data = new StreamRecord();
        foreach (var property in element.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "ApproximateCreationDateTime": data.ApproximateCreationDateTime = FromEpochSeconds(value); break;
                case "Keys": data.Keys = AttributeValueJson.ReadMap(value); break;
                case "NewImage": data.NewImage = AttributeValueJson.ReadMap(value); break;
                case "OldImage": data.OldImage = AttributeValueJson.ReadMap(value); break;
                case "SequenceNumber": data.SequenceNumber = value.GetString() ?? ""; break;
                case "SizeBytes": data.SizeBytes = value.GetInt64(); break;
                case "StreamViewType": data.StreamViewType = StreamViewType.FindValue(value.GetString()!); break;
                default: break;
            }
        }

        return data;
    }

    private static void WriteIfSet(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }
}
