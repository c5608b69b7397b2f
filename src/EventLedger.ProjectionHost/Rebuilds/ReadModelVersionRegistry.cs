using System.Globalization;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;

namespace EventLedger.ProjectionHost.Rebuilds;

/// <summary>States of one read-model version's build.</summary>
public static class RebuildStates
{
    public const string Running = "running";
    public const string Completed = "completed";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";
}

/// <summary>Roles of one read-model version: building (not read), live (read), retiring (switched away from, still fed for a grace period), retired (dropped).</summary>
public static class VersionRoles
{
    public const string Building = "building";
    public const string Live = "live";
    public const string Retiring = "retiring";
    public const string Retired = "retired";
}

/// <summary>Phases of a rebuild.</summary>
public static class RebuildPhases
{
    public const string BulkLoad = "bulk-load";
    public const string CatchUp = "catch-up";
    public const string Switching = "switching";
    public const string Done = "done";
}

/// <summary>The live pointer of one read model and the rebuild lock (<see cref="RebuildingVersion"/>, owner, heartbeat).</summary>
public sealed record ReadModelPointer(string Name, int LiveVersion, int? LiveSchemaVersion, int? RebuildingVersion, string? Owner, DateTimeOffset? HeartbeatAt);

/// <summary>One version of a read model as the registry records it.</summary>
public sealed record ReadModelVersionRecord(
    string Name,
    int Version,
    string State,
    string Role,
    string Phase,
    int SchemaVersion,
    long EventsDone,
    long EventsTotal,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    string? Error,
    bool Seeded,
    int Segments,
    IReadOnlyDictionary<int, Dictionary<string, AttributeValue>?> Resume,
    DateTimeOffset? RetireAfter = null);

/// <summary>
/// The registry of read-model versions in DynamoDB (<c>{prefix}read-model-versions</c>, PK <c>name</c>, SK <c>item</c>):
/// item <c>live</c> holds the live version and the rebuild lock; item <c>v{n:D6}</c> one version's build state, with
/// resume state per scan segment (the last evaluated key applied; <c>done</c> when the segment is finished).
/// Switching the live version is one conditional write. A read model without an entry is live at version 1.
/// </summary>
public sealed class ReadModelVersionRegistry(IAmazonDynamoDB db, string tablePrefix, TimeProvider? clock = null)
{
    public const string NameKey = "name";
    public const string ItemKey = "item";
    private const string LiveItem = "live";
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;

    public string TableName { get; } = tablePrefix + "read-model-versions";

    public async Task EnsureTableAsync(CancellationToken ct)
    {
        try
        {
            var existing = await db.DescribeTableAsync(TableName, ct);
            if (existing.Table.TableStatus == TableStatus.ACTIVE) return;
        }
        catch (ResourceNotFoundException)
        {
            try
            {
                await db.CreateTableAsync(new CreateTableRequest
                {
                    TableName = TableName,
                    BillingMode = BillingMode.PAY_PER_REQUEST,
                    AttributeDefinitions = [new(NameKey, ScalarAttributeType.S), new(ItemKey, ScalarAttributeType.S)],
                    KeySchema = [new(NameKey, KeyType.HASH), new(ItemKey, KeyType.RANGE)],
                }, ct);
            }
            catch (ResourceInUseException)
            {
            }
        }

        for (var i = 0; i < 600; i++)
        {
            try
            {
                if ((await db.DescribeTableAsync(TableName, ct)).Table.TableStatus == TableStatus.ACTIVE) return;
            }
            catch (ResourceNotFoundException)
            {
            }

            await Task.Delay(100, ct);
        }

        throw new TimeoutException($"Table '{TableName}' did not become ACTIVE.");
    }

    public async Task<ReadModelPointer> GetPointerAsync(string name, CancellationToken ct)
    {
        var response = await db.GetItemAsync(new GetItemRequest { TableName = TableName, Key = Key(name, LiveItem), ConsistentRead = true }, ct);
        if (response.Item is not { Count: > 0 } item)
        {
            return new ReadModelPointer(name, 1, null, null, null, null);
        }

        return new ReadModelPointer(
            name,
            IntOr(item, "liveVersion") ?? 1,
            IntOr(item, "liveSchemaVersion"),
            IntOr(item, "rebuildingVersion"),
            item.TryGetValue("owner", out var o) ? o.S : null,
            item.TryGetValue("heartbeatAt", out var h) ? DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(h.N, CultureInfo.InvariantCulture)) : null);
    }

    /// <summary>Records the live version's schema version when the registry has none yet (first start of a deployment).</summary>
    public async Task BootstrapAsync(string name, int schemaVersion, CancellationToken ct)
    {
        try
        {
            await db.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = TableName,
                Key = Key(name, LiveItem),
                UpdateExpression = "SET liveVersion = if_not_exists(liveVersion, :one), liveSchemaVersion = :s",
                ConditionExpression = "attribute_not_exists(liveSchemaVersion)",
                ExpressionAttributeValues = new() { [":one"] = N(1), [":s"] = N(schemaVersion) },
            }, ct);
        }
        catch (ConditionalCheckFailedException)
        {
        }
    }

    /// <summary>
    /// Takes the rebuild lock of a read model for <paramref name="version"/>: succeeds when no rebuild holds it, when this
    /// owner holds it, or when the holder's heartbeat is older than <paramref name="staleAfter"/> (a crashed rebuild).
    /// </summary>
    public async Task<bool> TryAcquireAsync(string name, int version, string owner, TimeSpan staleAfter, CancellationToken ct)
    {
        var now = _clock.GetUtcNow();
        return await TryUpdateAsync(new UpdateItemRequest
        {
            TableName = TableName,
            Key = Key(name, LiveItem),
            UpdateExpression = "SET liveVersion = if_not_exists(liveVersion, :one), rebuildingVersion = :v, #o = :o, heartbeatAt = :now",
            ConditionExpression = "attribute_not_exists(rebuildingVersion) OR #o = :o OR attribute_not_exists(#o) OR heartbeatAt < :stale",
            ExpressionAttributeNames = new() { ["#o"] = "owner" },
            ExpressionAttributeValues = new()
            {
                [":one"] = N(1),
                [":v"] = N(version),
                [":o"] = new() { S = owner },
                [":now"] = N(now.ToUnixTimeMilliseconds()),
                [":stale"] = N((now - staleAfter).ToUnixTimeMilliseconds()),
            },
        }, ct);
    }

    /// <summary>Renews the lock; false when another owner took it over.</summary>
    public async Task<bool> HeartbeatAsync(string name, string owner, CancellationToken ct)
    {
        return await TryUpdateAsync(new UpdateItemRequest
        {
            TableName = TableName,
            Key = Key(name, LiveItem),
            UpdateExpression = "SET heartbeatAt = :now",
            ConditionExpression = "#o = :o",
            ExpressionAttributeNames = new() { ["#o"] = "owner" },
            ExpressionAttributeValues = new() { [":o"] = new() { S = owner }, [":now"] = N(_clock.GetUtcNow().ToUnixTimeMilliseconds()) },
        }, ct);
    }

    /// <summary>Releases the lock. With <paramref name="keepRebuilding"/> the rebuild stays marked (a host shutting down), so the next host resumes it.</summary>
    public async Task ReleaseAsync(string name, string owner, bool keepRebuilding, CancellationToken ct)
    {
        try
        {
            await db.UpdateItemAsync(new UpdateItemRequest
            {
                TableName = TableName,
                Key = Key(name, LiveItem),
                UpdateExpression = keepRebuilding ? "REMOVE #o, heartbeatAt" : "REMOVE #o, heartbeatAt, rebuildingVersion",
                ConditionExpression = "#o = :o",
                ExpressionAttributeNames = new() { ["#o"] = "owner" },
                ExpressionAttributeValues = new() { [":o"] = new() { S = owner } },
            }, ct);
        }
        catch (ConditionalCheckFailedException)
        {
        }
    }

    /// <summary>Switches readers: one conditional write moving the live pointer from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public async Task<bool> SwitchLiveAsync(string name, int from, int to, int schemaVersion, string owner, CancellationToken ct)
    {
        return await TryUpdateAsync(new UpdateItemRequest
        {
            TableName = TableName,
            Key = Key(name, LiveItem),
            UpdateExpression = "SET liveVersion = :to, liveSchemaVersion = :s, previousVersion = :from",
            ConditionExpression = "(liveVersion = :from OR attribute_not_exists(liveVersion)) AND #o = :o",
            ExpressionAttributeNames = new() { ["#o"] = "owner" },
            ExpressionAttributeValues = new() { [":from"] = N(from), [":to"] = N(to), [":s"] = N(schemaVersion), [":o"] = new() { S = owner } },
        }, ct);
    }

    public async Task<ReadModelVersionRecord?> GetVersionAsync(string name, int version, CancellationToken ct)
    {
        var response = await db.GetItemAsync(new GetItemRequest { TableName = TableName, Key = Key(name, VersionItem(version)), ConsistentRead = true }, ct);
        return response.Item is { Count: > 0 } item ? FromItem(item) : null;
    }

    /// <summary>Every version of a read model the registry knows, ascending.</summary>
    public async Task<IReadOnlyList<ReadModelVersionRecord>> ListVersionsAsync(string name, CancellationToken ct)
    {
        var result = new List<ReadModelVersionRecord>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var response = await db.QueryAsync(new QueryRequest
            {
                TableName = TableName,
                ConsistentRead = true,
                KeyConditionExpression = "#n = :n AND begins_with(#i, :v)",
                ExpressionAttributeNames = new() { ["#n"] = NameKey, ["#i"] = ItemKey },
                ExpressionAttributeValues = new() { [":n"] = new() { S = name }, [":v"] = new() { S = "v" } },
                ExclusiveStartKey = start,
            }, ct);
            result.AddRange((response.Items ?? []).Select(FromItem));
            start = response.LastEvaluatedKey is { Count: > 0 } k ? k : null;
        }
        while (start is not null);

        return result;
    }

    /// <summary>Writes a fresh version record (a new or restarted rebuild).</summary>
    public Task PutVersionAsync(ReadModelVersionRecord record, CancellationToken ct)
    {
        var item = Key(record.Name, VersionItem(record.Version));
        item["version"] = N(record.Version);
        item["state"] = new() { S = record.State };
        item["role"] = new() { S = record.Role };
        item["phase"] = new() { S = record.Phase };
        item["schemaVersion"] = N(record.SchemaVersion);
        item["eventsDone"] = N(record.EventsDone);
        item["eventsTotal"] = N(record.EventsTotal);
        item["startedAt"] = new() { S = record.StartedAt.ToString("O", CultureInfo.InvariantCulture) };
        item["seeded"] = new() { BOOL = record.Seeded };
        item["segments"] = N(record.Segments);
        item["resume"] = new() { M = [] };
        if (record.FinishedAt is { } f) item["finishedAt"] = new() { S = f.ToString("O", CultureInfo.InvariantCulture) };
        if (record.Error is { } e) item["error"] = new() { S = e };
        return db.PutItemAsync(new PutItemRequest { TableName = TableName, Item = item }, ct);
    }

    /// <summary>Sets simple attributes of a version record (state, phase, role, error, finishedAt, …).</summary>
    public Task UpdateVersionAsync(string name, int version, CancellationToken ct, params (string Attribute, AttributeValue Value)[] values)
    {
        var names = new Dictionary<string, string>();
        var vals = new Dictionary<string, AttributeValue>();
        var sets = new List<string>();
        for (var i = 0; i < values.Length; i++)
        {
            names[$"#a{i}"] = values[i].Attribute;
            vals[$":v{i}"] = values[i].Value;
            sets.Add($"#a{i} = :v{i}");
        }

        return db.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = TableName,
            Key = Key(name, VersionItem(version)),
            UpdateExpression = "SET " + string.Join(", ", sets),
            ExpressionAttributeNames = names,
            ExpressionAttributeValues = vals,
        }, ct);
    }

    /// <summary>After a page of segment <paramref name="segment"/> is applied: its last evaluated key (null: the segment is done) and the events it held.</summary>
    public Task SaveSegmentAsync(string name, int version, int segment, Dictionary<string, AttributeValue>? lastKey, long events, CancellationToken ct) =>
        db.UpdateItemAsync(new UpdateItemRequest
        {
            TableName = TableName,
            Key = Key(name, VersionItem(version)),
            UpdateExpression = "SET #r.#s = :k ADD eventsDone :n",
            ExpressionAttributeNames = new() { ["#r"] = "resume", ["#s"] = segment.ToString(CultureInfo.InvariantCulture) },
            ExpressionAttributeValues = new()
            {
                [":k"] = lastKey is null ? new AttributeValue { S = "done" } : new AttributeValue { M = lastKey },
                [":n"] = N(events),
            },
        }, ct);

    /// <summary>Marks a retiring version retired; false when it was not retiring (another host retired it first).</summary>
    public Task<bool> TryMarkRetiredAsync(string name, int version, CancellationToken ct) =>
        TryUpdateAsync(new UpdateItemRequest
        {
            TableName = TableName,
            Key = Key(name, VersionItem(version)),
            UpdateExpression = "SET #r = :retired, retiredAt = :now",
            ConditionExpression = "#r = :retiring",
            ExpressionAttributeNames = new() { ["#r"] = "role" },
            ExpressionAttributeValues = new()
            {
                [":retired"] = S(VersionRoles.Retired),
                [":retiring"] = S(VersionRoles.Retiring),
                [":now"] = Time(_clock.GetUtcNow()),
            },
        }, ct);

    public Task DeleteVersionAsync(string name, int version, CancellationToken ct) =>
        db.DeleteItemAsync(new DeleteItemRequest { TableName = TableName, Key = Key(name, VersionItem(version)) }, ct);

    public static AttributeValue N(long value) => new() { N = value.ToString(CultureInfo.InvariantCulture) };

    public static AttributeValue S(string value) => new() { S = value };

    public static AttributeValue Time(DateTimeOffset value) => new() { S = value.ToString("O", CultureInfo.InvariantCulture) };

    private static string VersionItem(int version) => "v" + version.ToString("D6", CultureInfo.InvariantCulture);

    private static Dictionary<string, AttributeValue> Key(string name, string item) => new()
    {
        [NameKey] = new() { S = name },
        [ItemKey] = new() { S = item },
    };

    private static int? IntOr(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var v) && v.N is { } n ? int.Parse(n, CultureInfo.InvariantCulture) : null;

    private static long LongOf(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var v) && v.N is { } n ? long.Parse(n, CultureInfo.InvariantCulture) : 0;

    private static string? Str(Dictionary<string, AttributeValue> item, string name) =>
        item.TryGetValue(name, out var v) ? v.S : null;

    private static ReadModelVersionRecord FromItem(Dictionary<string, AttributeValue> item)
    {
        var resume = new Dictionary<int, Dictionary<string, AttributeValue>?>();
        if (item.TryGetValue("resume", out var r) && r.M is { } map)
        {
            foreach (var (segment, value) in map)
            {
                resume[int.Parse(segment, CultureInfo.InvariantCulture)] = value.M is { Count: > 0 } key ? key : null;
            }
        }

        return new ReadModelVersionRecord(
            item[NameKey].S,
            IntOr(item, "version") ?? 0,
            Str(item, "state") ?? RebuildStates.Running,
            Str(item, "role") ?? VersionRoles.Building,
            Str(item, "phase") ?? RebuildPhases.BulkLoad,
            IntOr(item, "schemaVersion") ?? 1,
            LongOf(item, "eventsDone"),
            LongOf(item, "eventsTotal"),
            Str(item, "startedAt") is { } s ? DateTimeOffset.Parse(s, CultureInfo.InvariantCulture) : DateTimeOffset.MinValue,
            Str(item, "finishedAt") is { } f ? DateTimeOffset.Parse(f, CultureInfo.InvariantCulture) : null,
            Str(item, "error"),
            item.TryGetValue("seeded", out var seeded) && seeded.BOOL == true,
            IntOr(item, "segments") ?? 0,
            resume,
            Str(item, "retireAfter") is { } ra ? DateTimeOffset.Parse(ra, CultureInfo.InvariantCulture) : null);
    }

    /// <summary>A conditional update: true when it was written, false when its condition did not hold.</summary>
    private async Task<bool> TryUpdateAsync(UpdateItemRequest request, CancellationToken ct)
    {
        try
        {
            await db.UpdateItemAsync(request, ct);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }
}
