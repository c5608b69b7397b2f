using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.EventStore.Tables;
using static EventLedger.ProjectionHost.Rebuilds.RegistryItems;

namespace EventLedger.ProjectionHost.Rebuilds;

/// <summary>
/// The registry of read-model versions in DynamoDB (<c>{prefix}read-model-versions</c>; items in <see cref="RegistryItems"/>):
/// per read model the live pointer with the rebuild lock, and per version its build state and resume state. Its methods
/// are the rebuild's intents. Switching the live version is one conditional write. A read model without an entry is
/// live at version 1. Times come from the caller (the engine's clock): the registry reads no clock of its own.
/// </summary>
public sealed class ReadModelVersionRegistry(IAmazonDynamoDB db, string tablePrefix)
{
    public string TableName { get; } = tablePrefix + "read-model-versions";

    public Task EnsureTableAsync(CancellationToken ct) => DynamoTables.EnsureAsync(db, Table(TableName), ct);

    public async Task<ReadModelPointer> GetPointerAsync(string name, CancellationToken ct)
    {
        var response = await db.GetItemAsync(new GetItemRequest { TableName = TableName, Key = PointerKey(name), ConsistentRead = true }, ct);
        return ToPointer(name, response.Item);
    }

    /// <summary>Records the live version's schema version when the registry has none yet (first start of a deployment); false when it has one.</summary>
    public Task<bool> TryBootstrapAsync(string name, int schemaVersion, CancellationToken ct) =>
        TryUpdateAsync(OnPointer(name)
            .SetIfAbsent(PointerAttribute.LiveVersion, Number(1))
            .Set(PointerAttribute.LiveSchemaVersion, Number(schemaVersion))
            .When(u => $"attribute_not_exists({u.Name(PointerAttribute.LiveSchemaVersion)})"), ct);

    /// <summary>
    /// Takes the rebuild lock of a read model for <paramref name="version"/>: succeeds when no rebuild holds it, when
    /// <paramref name="owner"/> holds it, or when the holder's heartbeat is older than <paramref name="staleAfter"/> at
    /// <paramref name="now"/> (a crashed rebuild).
    /// </summary>
    public Task<bool> TryClaimAsync(string name, int version, string owner, DateTimeOffset now, TimeSpan staleAfter, CancellationToken ct) =>
        TryUpdateAsync(OnPointer(name)
            .SetIfAbsent(PointerAttribute.LiveVersion, Number(1))
            .Set(PointerAttribute.RebuildingVersion, Number(version))
            .Set(PointerAttribute.Owner, Text(owner))
            .Set(PointerAttribute.HeartbeatAt, Millis(now))
            .When(u => $"attribute_not_exists({u.Name(PointerAttribute.RebuildingVersion)}) OR attribute_not_exists({u.Name(PointerAttribute.Owner)}) " +
                       $"OR {u.Name(PointerAttribute.Owner)} = {u.Value(Text(owner))} OR {u.Name(PointerAttribute.HeartbeatAt)} < {u.Value(Millis(now - staleAfter))}"), ct);

    /// <summary>Renews the lock (the heartbeat); false when <paramref name="owner"/> no longer holds it.</summary>
    public Task<bool> RenewClaimAsync(string name, string owner, DateTimeOffset now, CancellationToken ct) =>
        TryUpdateAsync(OnPointer(name)
            .Set(PointerAttribute.HeartbeatAt, Millis(now))
            .When(u => OwnedBy(u, owner)), ct);

    /// <summary>Releases the lock of a rebuild that is over (completed, cancelled, failed); false when <paramref name="owner"/> no longer held it.</summary>
    public Task<bool> ReleaseClaimAsync(string name, string owner, CancellationToken ct) =>
        TryUpdateAsync(OnPointer(name)
            .Remove(PointerAttribute.Owner, PointerAttribute.HeartbeatAt, PointerAttribute.RebuildingVersion)
            .When(u => OwnedBy(u, owner)), ct);

    /// <summary>Lets go of the lock but leaves the rebuild marked (a host shutting down), so the next host resumes it; false when <paramref name="owner"/> no longer held it.</summary>
    public Task<bool> SuspendClaimAsync(string name, string owner, CancellationToken ct) =>
        TryUpdateAsync(OnPointer(name)
            .Remove(PointerAttribute.Owner, PointerAttribute.HeartbeatAt)
            .When(u => OwnedBy(u, owner)), ct);

    /// <summary>Switches readers: one conditional write moving the live pointer from <paramref name="from"/> to <paramref name="to"/>, if <paramref name="owner"/> still holds the lock.</summary>
    public Task<bool> SwitchLiveAsync(string name, int from, int to, int schemaVersion, string owner, CancellationToken ct) =>
        TryUpdateAsync(OnPointer(name)
            .Set(PointerAttribute.LiveVersion, Number(to))
            .Set(PointerAttribute.LiveSchemaVersion, Number(schemaVersion))
            .Set(PointerAttribute.PreviousVersion, Number(from))
            .When(u => $"({u.Name(PointerAttribute.LiveVersion)} = {u.Value(Number(from))} OR attribute_not_exists({u.Name(PointerAttribute.LiveVersion)})) AND {OwnedBy(u, owner)}"), ct);

    public async Task<ReadModelVersionRecord?> GetVersionAsync(string name, int version, CancellationToken ct)
    {
        var response = await db.GetItemAsync(new GetItemRequest { TableName = TableName, Key = VersionKey(name, version), ConsistentRead = true }, ct);
        return response.Item is { Count: > 0 } item ? ToRecord(item) : null;
    }

    /// <summary>
    /// The pointer and every version the registry knows of a read model (ascending) in one strongly consistent Query of its partition (the
    /// pointer item is one more small item in it): for callers that need both, one call instead of a GetItem and a Query
    /// (the follower asks on every host every follow interval).
    /// </summary>
    public async Task<(ReadModelPointer Pointer, IReadOnlyList<ReadModelVersionRecord> Versions)> GetPointerAndVersionsAsync(string name, CancellationToken ct)
    {
        Dictionary<string, AttributeValue>? pointer = null;
        var versions = new List<ReadModelVersionRecord>();
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var response = await db.QueryAsync(ReadModelQuery(TableName, name, start), ct);
            foreach (var item in response.Items ?? [])
            {
                if (IsPointer(item))
                {
                    pointer = item;
                }
                else if (IsVersion(item))
                {
                    versions.Add(ToRecord(item));
                }
            }

            start = response.LastEvaluatedKey is { Count: > 0 } next ? next : null;
        }
        while (start is not null);

        return (ToPointer(name, pointer), versions);
    }

    /// <summary>Records a version a rebuild starts building (a new rebuild, or one started over): replaces whatever was recorded.</summary>
    public Task RecordBuildingAsync(ReadModelVersionRecord record, CancellationToken ct) =>
        db.PutItemAsync(new PutItemRequest { TableName = TableName, Item = ToItem(record) }, ct);

    /// <summary>A stopped rebuild runs again (resumed by hand or by the next host); the end and error of its last run are cleared.</summary>
    public Task MarkResumedAsync(string name, int version, CancellationToken ct) =>
        UpdateAsync(OnVersion(name, version)
            .Set(VersionAttribute.State, Text(RebuildState.Running))
            .Remove(VersionAttribute.FinishedAt, VersionAttribute.Error), ct);

    /// <summary>The new version's subscription starts from the live version's checkpoints.</summary>
    public Task MarkSeededAsync(string name, int version, CancellationToken ct) =>
        UpdateAsync(OnVersion(name, version).Set(VersionAttribute.Seeded, Flag(true)), ct);

    public Task EnterPhaseAsync(string name, int version, RebuildPhase phase, CancellationToken ct) =>
        UpdateAsync(OnVersion(name, version).Set(VersionAttribute.Phase, Text(phase)), ct);

    /// <summary>How many events the bulk load expects; null: unknown (the attribute is removed, not set to 0).</summary>
    public Task RecordTotalAsync(string name, int version, long? eventsTotal, CancellationToken ct) =>
        UpdateAsync(eventsTotal is { } total
            ? OnVersion(name, version).Set(VersionAttribute.EventsTotal, Number(total))
            : OnVersion(name, version).Remove(VersionAttribute.EventsTotal), ct);

    /// <summary>After a page of scan segment <paramref name="segment"/> is applied: its last evaluated key (null: the segment is finished) and the events it held.</summary>
    public Task RecordProgressAsync(string name, int version, int segment, Dictionary<string, AttributeValue>? lastKey, long events, CancellationToken ct) =>
        UpdateAsync(OnVersion(name, version)
            .SetEntry(VersionAttribute.Resume, SegmentAttribute(segment), SegmentResume(lastKey))
            .Add(VersionAttribute.EventsDone, events), ct);

    /// <summary>The rebuilt version is what readers read now: completed, live, done.</summary>
    public Task MarkLiveAsync(string name, int version, DateTimeOffset finishedAt, CancellationToken ct) =>
        UpdateAsync(OnVersion(name, version)
            .Set(VersionAttribute.State, Text(RebuildState.Completed))
            .Set(VersionAttribute.Role, Text(VersionRole.Live))
            .Set(VersionAttribute.Phase, Text(RebuildPhase.Done))
            .Set(VersionAttribute.FinishedAt, Time(finishedAt)), ct);

    /// <summary>The version readers were switched away from: still fed until <paramref name="retireAfter"/>, then retired (recorded even if it was never built by a rebuild).</summary>
    public Task MarkRetiringAsync(string name, int version, DateTimeOffset retireAfter, CancellationToken ct) =>
        UpdateAsync(OnVersion(name, version)
            .Set(VersionAttribute.Number, Number(version))
            .Set(VersionAttribute.State, Text(RebuildState.Completed))
            .Set(VersionAttribute.Role, Text(VersionRole.Retiring))
            .Set(VersionAttribute.RetireAfter, Time(retireAfter)), ct);

    /// <summary>Marks a retiring version retired; false when it was not retiring (another host retired it first).</summary>
    public Task<bool> TryMarkRetiredAsync(string name, int version, DateTimeOffset now, CancellationToken ct) =>
        TryUpdateAsync(OnVersion(name, version)
            .Set(VersionAttribute.Role, Text(VersionRole.Retired))
            .Set(VersionAttribute.RetiredAt, Time(now))
            .When(u => $"{u.Name(VersionAttribute.Role)} = {u.Value(Text(VersionRole.Retiring))}"), ct);

    /// <summary>A rebuild stopped on request: its resume state stays, so starting it again resumes it.</summary>
    public Task MarkCancelledAsync(string name, int version, DateTimeOffset finishedAt, CancellationToken ct) =>
        UpdateAsync(OnVersion(name, version)
            .Set(VersionAttribute.State, Text(RebuildState.Cancelled))
            .Set(VersionAttribute.FinishedAt, Time(finishedAt)), ct);

    public Task MarkFailedAsync(string name, int version, string error, DateTimeOffset finishedAt, CancellationToken ct) =>
        UpdateAsync(OnVersion(name, version)
            .Set(VersionAttribute.State, Text(RebuildState.Failed))
            .Set(VersionAttribute.Error, Text(error))
            .Set(VersionAttribute.FinishedAt, Time(finishedAt)), ct);

    public Task DeleteVersionAsync(string name, int version, CancellationToken ct) =>
        db.DeleteItemAsync(new DeleteItemRequest { TableName = TableName, Key = VersionKey(name, version) }, ct);

    private RegistryUpdate OnPointer(string name) => new(TableName, PointerKey(name));

    private RegistryUpdate OnVersion(string name, int version) => new(TableName, VersionKey(name, version));

    private static string OwnedBy(RegistryUpdate update, string owner) => $"{update.Name(PointerAttribute.Owner)} = {update.Value(Text(owner))}";

    private Task UpdateAsync(RegistryUpdate update, CancellationToken ct) => db.UpdateItemAsync(update.ToRequest(), ct);

    /// <summary>
    /// A conditional write. A condition that does not hold is an answer, not an error (the lock is someone else's, the
    /// schema is recorded already, another host retired the version first): it comes back as false for the caller to act on.
    /// </summary>
    private async Task<bool> TryUpdateAsync(RegistryUpdate update, CancellationToken ct)
    {
        try
        {
            await db.UpdateItemAsync(update.ToRequest(), ct);
            return true;
        }
        catch (ConditionalCheckFailedException)
        {
            return false;
        }
    }
}
