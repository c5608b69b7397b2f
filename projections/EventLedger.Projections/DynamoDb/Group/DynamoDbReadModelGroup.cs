using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.EventStore.Events;
using EventLedger.Projections.Common;

namespace EventLedger.Projections.DynamoDb.Group;

/// <summary>
/// Applies one batch of events to several DynamoDB read models at once (ADR 0016): every member names the rows the batch
/// touches, one multi-table consistent <c>BatchGetItem</c> reads them all (100 keys a call, unprocessed keys re-sent),
/// each member folds its rows under its version guard in memory, and multi-table <c>BatchWriteItem</c>s put the rows
/// that changed (25 a call, unprocessed items re-sent with back-off). A batch therefore costs about two calls whatever the
/// number of read models. The same safety notes as <see cref="DynamoDbReadModelProjection{TRow}"/> hold: one writer per
/// shard (the lease), rows carry their applied version, so a redelivered batch changes nothing.
/// <para>
/// The host's work is overlapped with the store's: a member whose rows never change (nothing to read) is folded and its
/// rows sent while the others' rows are being read, and each of the others starts writing as soon as it is folded, while
/// the next one folds. Every row is put at most once per batch and the tables are independent, so the order of the puts
/// does not matter; if any call fails, the whole batch fails (after the calls already sent have finished) and is applied
/// again.
/// </para>
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
        var writes = new List<Task>(plans.Count);
        try
        {
            var reading = keys.Count == 0
                ? Task.FromResult(new Dictionary<string, List<Dictionary<string, AttributeValue>>>())
                : db.BatchGetAsync(keys, cancellationToken);
            foreach (var plan in plans.Where(p => p.KeysToRead.Count == 0))
            {
                writes.Add(FoldAndWriteAsync(db, plan, [], cancellationToken));
            }

            var current = await reading;
            foreach (var plan in plans.Where(p => p.KeysToRead.Count > 0))
            {
                writes.Add(FoldAndWriteAsync(db, plan, current.TryGetValue(plan.TableName, out var items) ? items : [], cancellationToken));
            }

            await Task.WhenAll(writes);
        }
        catch
        {
            // Let the calls already sent finish before the gate goes away; the caller applies the whole batch again.
            await Task.WhenAll(writes).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            throw;
        }

        return plans;
    }

    /// <summary>Folds one member (on the caller's thread) and starts putting the rows that changed.</summary>
    private static Task FoldAndWriteAsync(
        BoundedDynamoDb db, MemberBatch plan, IReadOnlyList<Dictionary<string, AttributeValue>> current, CancellationToken cancellationToken)
    {
        var puts = plan.Fold(current);
        return puts.Count == 0
            ? Task.CompletedTask
            : db.BatchPutAsync([.. puts.Select(item => (plan.TableName, item))], cancellationToken);
    }
}
