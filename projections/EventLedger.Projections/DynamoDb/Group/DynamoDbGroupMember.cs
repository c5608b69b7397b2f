using Amazon.DynamoDBv2.Model;
using EventLedger.EventStore.Events;
using EventLedger.Projections.Common;

namespace EventLedger.Projections.DynamoDb.Group;

/// <summary>A <see cref="DynamoDbReadModel{TRow}"/> version as a group member: the same row keys, guard and fold as its own projection.</summary>
internal sealed class DynamoDbGroupMember<TRow>(DynamoDbReadModel<TRow> readModel, string tableName, bool rowsNeverChange, RowTimeToLive? timeToLive) : IDynamoDbGroupMember
    where TRow : class
{
    public string Name => readModel.Name;

    public string TableName => tableName;

    public MemberBatch Plan(IReadOnlyList<StoredEvent> events)
    {
        var failedKeys = new List<(StoredEvent, Exception)>();
        var changes = readModel.Changes(events, (e, ex) => failedKeys.Add((e, ex)));
        var rows = readModel.Rows;
        IReadOnlyList<Dictionary<string, AttributeValue>> keys = rowsNeverChange ? [] : [.. changes.Select(c => rows.Key(c.Key))];
        var batch = new MemberBatch(tableName, keys, (items, fail) =>
        {
            var current = new Dictionary<RowKey, TRow>(items.Count);
            foreach (var item in items)
            {
                var row = rows.FromItem(item);
                current[rows.KeyOf(row)] = row;
            }

            var puts = new List<Dictionary<string, AttributeValue>>(changes.Count);
            foreach (var (key, rowEvents) in changes)
            {
                var before = current.GetValueOrDefault(key);
                var after = before;
                foreach (var e in rowEvents)
                {
                    try
                    {
                        after = readModel.Apply(after, e);
                    }
                    catch (Exception ex)
                    {
                        // The handler is pure: trying again gives the same error. Skip the event for this read model only.
                        fail(e, ex);
                    }
                }

                if (after is not null && !after.Equals(before))
                {
                    var item = rows.ToItem(after);
                    if (timeToLive is not null && timeToLive.ExpiresAt(item) is { } expiresAt)
                    {
                        if (expiresAt <= DateTimeOffset.UtcNow.ToUnixTimeSeconds())
                        {
                            continue; // expired already (a replay of old history): DynamoDB would only delete it again
                        }

                        item[timeToLive.Attribute] = new AttributeValue { N = expiresAt.ToString(System.Globalization.CultureInfo.InvariantCulture) };
                    }

                    puts.Add(item);
                }
            }

            return puts;
        });
        foreach (var (e, ex) in failedKeys)
        {
            batch.Fail(e, ex);
        }

        return batch;
    }
}
