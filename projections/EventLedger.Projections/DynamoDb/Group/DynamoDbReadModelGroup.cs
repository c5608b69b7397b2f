using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.EventStore.Events;
using EventLedger.Projections.Common;

namespace EventLedger.Projections.DynamoDb.Group;

/// <summary>
/// Applies one batch of events to several DynamoDB read models at once (ADR 0016): every member names the rows the batch
/// touches, one multi-table consistent <c>BatchGetItem</c> reads them all (100 keys a call, unprocessed keys re-sent),
/// each member folds its rows under its version guard in memory, and one multi-table <c>BatchWriteItem</c> puts the rows
/// that changed (25 a call, unprocessed items re-sent with back-off). A batch therefore costs about two calls whatever the
/// number of read models. The same safety notes as <see cref="DynamoDbReadModelProjection{TRow}"/> hold: one writer per
/// shard (the lease), rows carry their applied version, so a redelivered batch changes nothing.
/// </summary>
public sealed class DynamoDbReadModelGroup(IAmazonDynamoDB dynamoDb, ProjectionWriteOptions? options = null)
{
    private readonly ProjectionWriteOptions _options = (options ?? ProjectionWriteOptions.Default).Validated();

    /// <summary>
    /// Applies <paramref name="events"/> to every member. Returns each member's plan, whose <see cref="MemberBatch.Failed"/>
    /// lists the events that member's handlers could not apply (the others applied them). Store failures throw.
    /// </summary>
    public async Task<IReadOnlyList<MemberBatch>> ApplyAsync(
        IReadOnlyList<IDynamoDbGroupMember> members, IReadOnlyList<StoredEvent> events, CancellationToken cancellationToken)
    {
        var plans = members.Select(m => m.Plan(events)).ToList();
        var keys = plans.SelectMany(p => p.KeysToRead.Select(k => (p.TableName, k))).ToList();
        using var db = new BoundedDynamoDb(dynamoDb, _options);
        var current = keys.Count == 0
            ? []
            : await db.BatchGetAsync(keys, cancellationToken);

        var puts = new List<(string Table, Dictionary<string, AttributeValue> Item)>();
        foreach (var plan in plans)
        {
            foreach (var item in plan.Fold(current.TryGetValue(plan.TableName, out var items) ? items : []))
            {
                puts.Add((plan.TableName, item));
            }
        }

        if (puts.Count > 0)
        {
            await db.BatchPutAsync(puts, cancellationToken);
        }

        return plans;
    }
}
