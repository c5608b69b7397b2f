using System.Text.Json;
using Amazon.DynamoDBv2.Model;

namespace EventLedger.Streams.Client;

/// <summary>
/// DynamoDB's wire JSON for attribute values (<c>{"S": "x"}</c>, <c>{"N": "1"}</c>, <c>{"B": "base64"}</c>, BOOL, NULL, M, L, SS, NS, BS)
/// to and from the SDK's <see cref="AttributeValue"/>.
/// </summary>
public static class AttributeValueJson
{
    public static Dictionary<string, AttributeValue> ReadMap(JsonElement element)
    {
        var map = new Dictionary<string, AttributeValue>(StringComparer.Ordinal);
        foreach (var property in element.EnumerateObject())
        {
            map[property.Name] = Read(property.Value);
        }

        return map;
    }

    public static AttributeValue Read(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException($"An attribute value must be a JSON object, not {element.ValueKind}.");
        }

        foreach (var property in element.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "S": return new AttributeValue { S = value.GetString() };
                case "N": return new AttributeValue { N = value.GetString() };
                case "B": return new AttributeValue { B = new MemoryStream(value.GetBytesFromBase64()) };
                case "BOOL": return new AttributeValue { BOOL = value.GetBoolean() };
                case "NULL": return new AttributeValue { NULL = value.GetBoolean() };
                case "M": return new AttributeValue { M = ReadMap(value) };
                case "L": return new AttributeValue { L = [.. value.EnumerateArray().Select(Read)] };
                case "SS": return new AttributeValue { SS = [.. value.EnumerateArray().Select(e => e.GetString()!)] };
                case "NS": return new AttributeValue { NS = [.. value.EnumerateArray().Select(e => e.GetString()!)] };
                case "BS": return new AttributeValue { BS = [.. value.EnumerateArray().Select(e => new MemoryStream(e.GetBytesFromBase64()))] };
                default: continue;
            }
        }

        // "{}": an attribute value with nothing set (what the SDK sends for one it was given empty). Kept as such.
        return new AttributeValue();
    }

    public static void WriteMap(Utf8JsonWriter writer, IReadOnlyDictionary<string, AttributeValue> map)
    {
        writer.WriteStartObject();
        foreach (var (name, value) in map)
        {
            writer.WritePropertyName(name);
            Write(writer, value);
        }

        writer.WriteEndObject();
    }

    public static void WriteMap(Utf8JsonWriter writer, Dictionary<string, AttributeValue> map) =>
        WriteMap(writer, (IReadOnlyDictionary<string, AttributeValue>)map);

    public static void Write(Utf8JsonWriter writer, AttributeValue value)
    {
        writer.WriteStartObject();
        if (value.S is not null)
        {
            writer.WriteString("S", value.S);
        }
        else if (value.N is not null)
        {
            writer.WriteString("N", value.N);
        }
        else if (value.B is not null)
        {
            writer.WriteBase64String("B", Bytes(value.B));
        }
        else if (value.BOOL is { } b)
        {
            writer.WriteBoolean("BOOL", b);
        }
        else if (value.NULL is { } n)
        {
            writer.WriteBoolean("NULL", n);
        }
        else if (value.M is not null)
        {
            writer.WritePropertyName("M");
            WriteMap(writer, value.M);
        }
        else if (value.L is not null)
        {
            writer.WriteStartArray("L");
            foreach (var item in value.L)
            {
                Write(writer, item);
            }

            writer.WriteEndArray();
        }
        else if (value.SS is not null)
        {
            WriteStrings(writer, "SS", value.SS);
        }
        else if (value.NS is not null)
        {
            WriteStrings(writer, "NS", value.NS);
        }
        else if (value.BS is not null)
        {
            writer.WriteStartArray("BS");
            foreach (var item in value.BS)
            {
                writer.WriteBase64StringValue(Bytes(item));
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
    }

    private static void WriteStrings(Utf8JsonWriter writer, string name, List<string> values)
    {
        writer.WriteStartArray(name);
        foreach (var item in values)
        {
            writer.WriteStringValue(item);
        }

        writer.WriteEndArray();
    }

    private static ReadOnlySpan<byte> Bytes(MemoryStream stream) =>
        stream.TryGetBuffer(out var segment) ? segment.AsSpan() : stream.ToArray();
}
