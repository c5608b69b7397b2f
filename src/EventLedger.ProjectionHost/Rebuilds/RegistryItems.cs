using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace EventLedger.ProjectionHost.Rebuilds;

/// <summary>
/// The one mapping between the version registry's records and its DynamoDB items; no attribute name or stored string
/// appears anywhere else. Table: PK <c>name</c>, SK <c>item</c>. Item <c>live</c> is the <see cref="ReadModelPointer"/>
/// (<c>liveVersion</c>, <c>liveSchemaVersion</c>, <c>previousVersion</c>, and the lock: <c>rebuildingVersion</c>,
/// <c>owner</c>, <c>heartbeatAt</c> in Unix milliseconds); item <c>v{n:D6}</c> is one <see cref="ReadModelVersionRecord"/>,
/// with its resume state as a map <c>resume</c> of segment number to the last evaluated key (or <c>done</c>).
/// </summary>
internal static class RegistryItems
{
    public const string NameKey = "name";
    public const string ItemKey = "item";
    private const string PointerItem = "live";
    private const string VersionItemPrefix = "v";
    private const string SegmentDone = "done";

    /// <summary>Attributes of the pointer item.</summary>
    public static class PointerAttribute
    {
        public const string LiveVersion = "liveVersion";
        public const string LiveSchemaVersion = "liveSchemaVersion";
        public const string PreviousVersion = "previousVersion";
        public const string RebuildingVersion = "rebuildingVersion";
        public const string Owner = "owner";
        public const string HeartbeatAt = "heartbeatAt";
    }

    /// <summary>Attributes of a version item.</summary>
    public static class VersionAttribute
    {
        public const string Number = "version";
        public const string State = "state";
        public const string Role = "role";
        public const string Phase = "phase";
        public const string SchemaVersion = "schemaVersion";
        public const string EventsDone = "eventsDone";
        public const string EventsTotal = "eventsTotal";
        public const string StartedAt = "startedAt";
        public const string FinishedAt = "finishedAt";
        public const string Error = "error";
        public const string Seeded = "seeded";
        public const string Segments = "segments";
        public const string Resume = "resume";
        public const string RetireAfter = "retireAfter";
        public const string RetiredAt = "retiredAt";
    }

    public static CreateTableRequest Table(string tableName) => new()
    {
        TableName = tableName,
        BillingMode = BillingMode.PAY_PER_REQUEST,
        AttributeDefinitions = [new(NameKey, ScalarAttributeType.S), new(ItemKey, ScalarAttributeType.S)],
        KeySchema = [new(NameKey, KeyType.HASH), new(ItemKey, KeyType.RANGE)],
    };

    public static Dictionary<string, AttributeValue> PointerKey(string name) => Key(name, PointerItem);

    public static Dictionary<string, AttributeValue> VersionKey(string name, int version) =>
        Key(name, VersionItemPrefix + version.ToString("D6", CultureInfo.InvariantCulture));

    /// <summary>Every item of a read model (its pointer and its versions), from <paramref name="start"/>.</summary>
    public static QueryRequest ReadModelQuery(string tableName, string name, Dictionary<string, AttributeValue>? start) => new()
    {
        TableName = tableName,
        ConsistentRead = true,
        KeyConditionExpression = "#n = :n",
        ExpressionAttributeNames = new() { ["#n"] = NameKey },
        ExpressionAttributeValues = new() { [":n"] = Text(name) },
        ExclusiveStartKey = start,
    };

    /// <summary>Whether an item is the pointer item.</summary>
    public static bool IsPointer(Dictionary<string, AttributeValue> item) => TextOf(item, ItemKey) == PointerItem;

    /// <summary>Whether an item is a version item.</summary>
    public static bool IsVersion(Dictionary<string, AttributeValue> item) => TextOf(item, ItemKey) is { } key && key.StartsWith(VersionItemPrefix, StringComparison.Ordinal);

    /// <summary>The pointer of <paramref name="name"/>; a read model without one is live at version 1.</summary>
    public static ReadModelPointer ToPointer(string name, Dictionary<string, AttributeValue>? item) => item is not { Count: > 0 }
        ? new ReadModelPointer(name, 1, null, null, null, null)
        : new ReadModelPointer(
            name,
            IntOf(item, PointerAttribute.LiveVersion) ?? 1,
            IntOf(item, PointerAttribute.LiveSchemaVersion),
            IntOf(item, PointerAttribute.RebuildingVersion),
            TextOf(item, PointerAttribute.Owner),
            LongOf(item, PointerAttribute.HeartbeatAt) is { } millis ? DateTimeOffset.FromUnixTimeMilliseconds(millis) : null);

    /// <summary>A fresh version item (a new or restarted rebuild).</summary>
    public static Dictionary<string, AttributeValue> ToItem(ReadModelVersionRecord record)
    {
        var item = VersionKey(record.Name, record.Version);
        item[VersionAttribute.Number] = Number(record.Version);
        item[VersionAttribute.State] = Text(record.State);
        item[VersionAttribute.Role] = Text(record.Role);
        item[VersionAttribute.Phase] = Text(record.Phase);
        item[VersionAttribute.SchemaVersion] = Number(record.SchemaVersion);
        item[VersionAttribute.EventsDone] = Number(record.EventsDone);
        if (record.EventsTotal is { } total) item[VersionAttribute.EventsTotal] = Number(total);
        item[VersionAttribute.StartedAt] = Time(record.StartedAt);
        item[VersionAttribute.Seeded] = Flag(record.Seeded);
        item[VersionAttribute.Segments] = Number(record.Segments);
        item[VersionAttribute.Resume] = new() { M = record.Resume.ToDictionary(r => SegmentAttribute(r.Key), r => SegmentResume(r.Value)) };
        if (record.FinishedAt is { } finished) item[VersionAttribute.FinishedAt] = Time(finished);
        if (record.Error is { } error) item[VersionAttribute.Error] = Text(error);
        if (record.RetireAfter is { } retireAfter) item[VersionAttribute.RetireAfter] = Time(retireAfter);
        return item;
    }

    public static ReadModelVersionRecord ToRecord(Dictionary<string, AttributeValue> item)
    {
        var resume = new Dictionary<int, Dictionary<string, AttributeValue>?>();
        if (item.TryGetValue(VersionAttribute.Resume, out var saved) && saved.M is { } segments)
        {
            foreach (var (segment, key) in segments)
            {
                resume[int.Parse(segment, CultureInfo.InvariantCulture)] = key.M is { Count: > 0 } lastKey ? lastKey : null;
            }
        }

        var name = item[NameKey].S;
        return new ReadModelVersionRecord(
            name,
            IntOf(item, VersionAttribute.Number) ?? 0,
            TextOf(item, VersionAttribute.State) is { } state ? Parse<RebuildState>(state, RegistryText.ToText, VersionAttribute.State, name) : RebuildState.Running,
            TextOf(item, VersionAttribute.Role) is { } role ? Parse<VersionRole>(role, RegistryText.ToText, VersionAttribute.Role, name) : VersionRole.Building,
            TextOf(item, VersionAttribute.Phase) is { } phase ? Parse<RebuildPhase>(phase, RegistryText.ToText, VersionAttribute.Phase, name) : RebuildPhase.BulkLoad,
            IntOf(item, VersionAttribute.SchemaVersion) ?? 1,
            LongOf(item, VersionAttribute.EventsDone) ?? 0,
            LongOf(item, VersionAttribute.EventsTotal),
            TimeOf(item, VersionAttribute.StartedAt) ?? DateTimeOffset.MinValue,
            TimeOf(item, VersionAttribute.FinishedAt),
            TextOf(item, VersionAttribute.Error),
            item.TryGetValue(VersionAttribute.Seeded, out var seeded) && seeded.BOOL == true,
            IntOf(item, VersionAttribute.Segments) ?? 0,
            resume,
            TimeOf(item, VersionAttribute.RetireAfter));
    }

    /// <summary>The name of segment <paramref name="segment"/> inside the <c>resume</c> map.</summary>
    public static string SegmentAttribute(int segment) => segment.ToString(CultureInfo.InvariantCulture);

    /// <summary>What a segment's resume entry holds: the last evaluated key applied, or <c>done</c>.</summary>
    public static AttributeValue SegmentResume(Dictionary<string, AttributeValue>? lastKey) =>
        lastKey is null ? Text(SegmentDone) : new AttributeValue { M = lastKey };

    public static AttributeValue Number(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    public static AttributeValue Text(string value) => new() { S = value };

    public static AttributeValue Text(RebuildState state) => Text(state.ToText());

    public static AttributeValue Text(RebuildPhase phase) => Text(phase.ToText());

    public static AttributeValue Text(VersionRole role) => Text(role.ToText());

    public static AttributeValue Time(DateTimeOffset value) => Text(value.ToString("O", CultureInfo.InvariantCulture));

    public static AttributeValue Millis(DateTimeOffset value) => Number(value.ToUnixTimeMilliseconds());

    public static AttributeValue Flag(bool value) => new() { BOOL = value };

    private static T Parse<T>(string text, Func<T, string> toText, string attribute, string name) where T : struct, Enum
    {
        foreach (var value in Enum.GetValues<T>())
        {
            if (toText(value) == text) return value;
        }

        throw new InvalidDataException(
            $"The version registry holds {attribute} '{text}' for read model '{name}', which this code does not know (written by a newer release?).");
    }

    private static Dictionary<string, AttributeValue> Key(string name, string item) => new()
    {
        [NameKey] = Text(name),
        [ItemKey] = Text(item),
    };

    private static string? TextOf(Dictionary<string, AttributeValue> item, string attribute) =>
        item.TryGetValue(attribute, out var value) ? value.S : null;

    private static int? IntOf(Dictionary<string, AttributeValue> item, string attribute) =>
        item.TryGetValue(attribute, out var value) && value.N is { } n ? int.Parse(n, CultureInfo.InvariantCulture) : null;

    private static long? LongOf(Dictionary<string, AttributeValue> item, string attribute) =>
        item.TryGetValue(attribute, out var value) && value.N is { } n ? long.Parse(n, CultureInfo.InvariantCulture) : null;

    private static DateTimeOffset? TimeOf(Dictionary<string, AttributeValue> item, string attribute) =>
        TextOf(item, attribute) is { } text ? DateTimeOffset.Parse(text, CultureInfo.InvariantCulture) : null;
}
