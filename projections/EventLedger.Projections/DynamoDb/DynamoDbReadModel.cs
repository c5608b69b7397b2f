using Amazon.DynamoDBv2;
using EventLedger.Domain.Invoices;
using EventLedger.EventStore.Events;
using EventLedger.Projections.Common;
using EventLedger.Projections.Contracts;
using EventLedger.Projections.DynamoDb.Group;

namespace EventLedger.Projections.DynamoDb;

/// <summary>
/// The base of a read model kept as rows in a DynamoDB table. A read model declares its name, its schema version, its
/// row (a record whose key properties carry <see cref="PartitionKeyAttribute"/>/<see cref="SortKeyAttribute"/>) and a
/// pure handler per event type with <c>On&lt;TEvent&gt;</c>: the current row (null when there is none) and the event in,
/// the new row out. This base does the rest: which row each event touches, the version guard (an event at or below the
/// row's applied version changes nothing, and the applied version is set for the handler), coalescing a batch per row,
/// and the batched read and write (<see cref="DynamoDbReadModelProjection{TRow}"/>).
/// </summary>
public abstract class DynamoDbReadModel<TRow> : IDynamoDbReadModel where TRow : class
{
    private readonly Dictionary<Type, Handler> _handlers = [];

    protected DynamoDbReadModel(string name, int schemaVersion)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(schemaVersion, 1);
        Name = name;
        SchemaVersion = schemaVersion;
    }

    public string Name { get; }

    public int SchemaVersion { get; }

    /// <summary>The row's mapping to and from items, and the table's key schema.</summary>
    public RowMapper<TRow> Rows { get; } = new();

    /// <summary>
    /// True when a row is a pure function of one event and never changes (an audit trail keyed by version): the write
    /// puts rows without reading them first, since putting one again writes the same item.
    /// </summary>
    protected virtual bool RowsNeverChange => false;

    bool IDynamoDbReadModel.RowsNeverChange => RowsNeverChange;

    public bool Handles(IInvoiceEvent e) => HandlerOf(e) is not null;

    public ReadModelTableDefinition Table(string tableName) => Rows.Table(tableName);

    public IProjection CreateProjection(IAmazonDynamoDB dynamoDb, string tableName, ProjectionWriteOptions? options = null) =>
        new DynamoDbReadModelProjection<TRow>(this, dynamoDb, tableName, options);

    /// <summary>The row an event touches, or null when this read model takes no such event.</summary>
    public RowKey? KeyOf(StoredEvent e) => HandlerOf(e.Data) is { } handler ? new RowKey(e.StreamId, handler.SortKey?.Invoke(e)) : null;

    /// <summary>
    /// Applies one event to its row (null: no row yet) under the version guard. Returns the row unchanged when the event
    /// is at or below its applied version or is not taken by this read model.
    /// </summary>
    public TRow? Apply(TRow? row, StoredEvent e)
    {
        if (HandlerOf(e.Data) is not { } handler || (row is not null && e.Version <= Rows.AppliedVersionOf(row)))
        {
            return row;
        }

        return Rows.WithAppliedVersion(handler.Apply(row, e), e.Version);
    }

    /// <summary>This version's table as a member of a group fed by one read of the stream (ADR 0016).</summary>
    public IDynamoDbGroupMember GroupMember(string tableName, RowTimeToLive? timeToLive = null) => new DynamoDbGroupMember<TRow>(this, tableName, RowsNeverChange, timeToLive);

    /// <summary>
    /// The rows a batch touches, each with its events in version order (each version once). With <paramref name="failed"/>,
    /// an event whose row cannot be named (its sort-key function throws) is reported there and left out instead of thrown.
    /// </summary>
    public IReadOnlyList<(RowKey Key, IReadOnlyList<StoredEvent> Events)> Changes(IReadOnlyList<StoredEvent> batch, Action<StoredEvent, Exception>? failed = null)
    {
        var byRow = new Dictionary<RowKey, List<StoredEvent>>();
        foreach (var group in InvoiceEventGroups.Of(batch))
        {
            foreach (var e in group.Events)
            {
                RowKey? found;
                try
                {
                    found = KeyOf(e);
                }
                catch (Exception ex) when (failed is not null)
                {
                    failed(e, ex);
                    continue;
                }

                if (found is { } key)
                {
                    if (!byRow.TryGetValue(key, out var events))
                    {
                        byRow[key] = events = [];
                    }

                    events.Add(e);
                }
            }
        }

        return [.. byRow.Select(kv => (kv.Key, (IReadOnlyList<StoredEvent>)kv.Value))];
    }

    /// <summary>
    /// The whole write path over an in-memory table (what <see cref="DynamoDbReadModelProjection{TRow}"/> does to DynamoDB):
    /// for tests and reference folds.
    /// </summary>
    public IReadOnlyDictionary<RowKey, TRow> ApplyBatch(IReadOnlyDictionary<RowKey, TRow> table, IReadOnlyList<StoredEvent> batch)
    {
        var next = new Dictionary<RowKey, TRow>(table);
        foreach (var (key, events) in Changes(batch))
        {
            if (events.Aggregate(next.GetValueOrDefault(key), Apply) is { } row)
            {
                next[key] = row;
            }
        }

        return next;
    }

    /// <summary>Declares the handler of one event type for a table without a sort key: the row is the invoice's.</summary>
    protected void On<TEvent>(Func<TRow?, TEvent, StoredEvent, TRow> apply) where TEvent : IInvoiceEvent =>
        Register<TEvent>(null, apply);

    /// <summary>Declares the handler of one event type and which row (sort key value within the invoice) it touches.</summary>
    protected void On<TEvent>(Func<TEvent, StoredEvent, object> sortKey, Func<TRow?, TEvent, StoredEvent, TRow> apply)
        where TEvent : IInvoiceEvent =>
        Register<TEvent>((e, stored) => sortKey(e, stored), apply);

    private void Register<TEvent>(Func<TEvent, StoredEvent, object>? sortKey, Func<TRow?, TEvent, StoredEvent, TRow> apply)
        where TEvent : IInvoiceEvent
    {
        if ((sortKey is null) != (Rows.SortKey is null))
        {
            throw new InvalidOperationException(
                $"{Name}: {typeof(TEvent).Name}'s handler must {(Rows.SortKey is null ? "not " : "")}name a sort key value, as {typeof(TRow).Name} declares.");
        }

        if (!_handlers.TryAdd(typeof(TEvent), new Handler(
                sortKey is null ? null : e => sortKey((TEvent)e.Data, e),
                (row, e) => apply(row, (TEvent)e.Data, e))))
        {
            throw new InvalidOperationException($"{Name}: {typeof(TEvent).Name} has two handlers.");
        }
    }

    /// <summary>The handler of the event's type, else of an interface it implements (<c>On&lt;IInvoiceEvent&gt;</c> takes every event).</summary>
    private Handler? HandlerOf(IInvoiceEvent e)
    {
        if (_handlers.TryGetValue(e.GetType(), out var handler))
        {
            return handler;
        }

        return _handlers.TryGetValue(typeof(IInvoiceEvent), out var any) ? any : null;
    }

    private sealed record Handler(Func<StoredEvent, object>? SortKey, Func<TRow?, StoredEvent, TRow> Apply);
}

/// <summary>What the host needs of a DynamoDB read model, whatever its row type.</summary>
public interface IDynamoDbReadModel : IReadModel
{
    internal bool RowsNeverChange { get; }

    /// <summary>The table's key schema, to create one version's table.</summary>
    ReadModelTableDefinition Table(string tableName);

    /// <summary>One version's table as a member of a group fed by one read of the stream (ADR 0016).</summary>
    IDynamoDbGroupMember GroupMember(string tableName, RowTimeToLive? timeToLive = null);

    /// <summary>The projection that keeps one version's table.</summary>
    IProjection CreateProjection(IAmazonDynamoDB dynamoDb, string tableName, ProjectionWriteOptions? options = null);
}
