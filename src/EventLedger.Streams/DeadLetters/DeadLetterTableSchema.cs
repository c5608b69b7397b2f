using System.Globalization;
using System.IO.Compression;
using System.Text;
using Amazon.DynamoDBv2.Model;
using EventLedger.Streams.Client;

namespace EventLedger.Streams.DeadLetters;

/// <summary>
/// Dead-letter table layout: partition key <c>subscription</c>, sort key <c>entryId</c> = shardId#sequence number (zero-padded so
/// that entries sort in stream order). The record is kept in the DynamoDB Streams wire JSON (<c>record</c>), gzipped into
/// <c>recordGz</c> when large, so that it reads back into the same <see cref="Client.Model.Record"/>.
/// </summary>
internal static class DeadLetterTableSchema
{
    public const string Subscription = "subscription";
    public const string EntryId = "entryId";
    public const string ShardId = "shardId";
    public const string SequenceNumber = "sequenceNumber";
    public const string Reason = "reason";
    public const string ErrorType = "errorType";
    public const string ErrorMessage = "errorMessage";
    public const string Attempts = "attempts";
    public const string FirstFailureAt = "firstFailureAt";
    public const string LastFailureAt = "lastFailureAt";
    public const string Record = "record";
    public const string RecordGz = "recordGz";

    private const int CompressAbove = 256 * 1024;
    private const int MaxErrorMessage = 4000;

    public static string Entry(string shardId, string sequenceNumber) => $"{shardId}#{sequenceNumber.PadLeft(40, '0')}";

    public static Dictionary<string, AttributeValue> Key(DeadLetterId id) => new()
    {
        [Subscription] = new AttributeValue { S = id.Subscription },
        [EntryId] = new AttributeValue { S = Entry(id.ShardId, id.SequenceNumber) },
    };

    public static string? Truncate(string? message) =>
        message is { Length: > MaxErrorMessage } ? message[..MaxErrorMessage] + "…" : message;

    public static (string Name, AttributeValue Value) RecordAttribute(Client.Model.Record record)
    {
        var json = StreamRecordJson.Serialize(record);
        if (Encoding.UTF8.GetByteCount(json) <= CompressAbove)
        {
            return (Record, new AttributeValue { S = json });
        }

        var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(json));
        }

        compressed.Position = 0;
        return (RecordGz, new AttributeValue { B = compressed });
    }

    public static DeadLetter ToDeadLetter(Dictionary<string, AttributeValue> item) => new()
    {
        Id = new DeadLetterId(item[Subscription].S, item[ShardId].S, item[SequenceNumber].S),
        Record = StreamRecordJson.Parse(ReadRecordJson(item)),
        Reason = Text(item, Reason) ?? DeadLetterReason.Failed,
        ErrorType = Text(item, ErrorType),
        ErrorMessage = Text(item, ErrorMessage),
        Attempts = item.TryGetValue(Attempts, out var a) && a.N is { } n ? int.Parse(n, CultureInfo.InvariantCulture) : 0,
        FirstFailureAt = Time(item, FirstFailureAt),
        LastFailureAt = Time(item, LastFailureAt),
    };

    private static string ReadRecordJson(Dictionary<string, AttributeValue> item)
    {
        if (item.TryGetValue(Record, out var json) && json.S is { } text)
        {
            return text;
        }

        using var gzip = new GZipStream(new MemoryStream(item[RecordGz].B.ToArray()), CompressionMode.Decompress);
        using var reader = new StreamReader(gzip, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private static string? Text(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var value) ? value.S : null;

    private static DateTimeOffset Time(Dictionary<string, AttributeValue> item, string name) =>
        Text(item, name) is { } s ? DateTimeOffset.Parse(s, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind) : default;
}
