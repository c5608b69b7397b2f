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
/// number of read models. A batch with more rows than one BatchGetItem takes (catch-up) folds and writes the rows of each
/// read as soon as it returns, while the other reads are in flight. The same safety notes as <see cref="DynamoDbReadModelProjection{TRow}"/> hold: one writer per
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
        var keys = new List<(int Plan, int Row)>();
        for (var p = 0; p < plans.Count; p++)
        {
            for (var r = 0; r < plans[p].KeysToRead.Count; r++)
            {
                keys.Add((p, r));
            }
        }

        using var db = new BoundedDynamoDb(dynamoDb, _options);
        if (keys.Count <= BoundedDynamoDb.MaxBatchGetKeys)
        {
            await ApplyInOneReadAsync(db, plans, keys, cancellationToken);
        }
        else
        {
            await ApplyWhileReadingAsync(db, plans, keys, cancellationToken);
        }

        return plans;
    }

    /// <summary>A batch whose rows fit one BatchGetItem (live traffic): one read, every member folded, the puts 25 a call.</summary>
    private static async Task ApplyInOneReadAsync(BoundedDynamoDb db, List<MemberBatch> plans, List<(int Plan, int Row)> keys, CancellationToken cancellationToken)
    {
        var current = keys.Count == 0
            ? []
            : await db.BatchGetAsync([.. keys.Select(k => (plans[k.Plan].TableName, plans[k.Plan].KeysToRead[k.Row]))], cancellationToken);
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
    }

    /// <summary>
    /// A batch of many rows (catch-up): the rows of each 100-key BatchGetItem are folded as soon as that read returns (rows are
    /// independent) and their puts go out 25 at a time while the other reads are still in flight, so DynamoDB is kept busy
    /// instead of idling between the batch's reads and its writes. The calls are as many as reading everything first: each
    /// key is read once, and puts are sent in full calls of 25 until the last. Rows that are never read (members whose rows
    /// never change) are written from the start.
    /// </summary>
    private static async Task ApplyWhileReadingAsync(BoundedDynamoDb db, List<MemberBatch> plans, List<(int Plan, int Row)> keys, CancellationToken cancellationToken)
    {
        var writes = new PutQueue(db, cancellationToken);
        try
        {
            foreach (var plan in plans.Where(p => p.KeysToRead.Count == 0))
            {
                writes.Add(plan.TableName, plan.Fold([]));
            }

            await Task.WhenAll(keys.Chunk(BoundedDynamoDb.MaxBatchGetKeys).Select(async chunk =>
            {
                var found = await db.BatchGetAsync([.. chunk.Select(k => (plans[k.Plan].TableName, plans[k.Plan].KeysToRead[k.Row]))], cancellationToken);
                foreach (var rows in chunk.GroupBy(k => k.Plan))
                {
                    var plan = plans[rows.Key];
                    writes.Add(plan.TableName, plan.Fold(found.TryGetValue(plan.TableName, out var items) ? items : [], [.. rows.Select(k => k.Row)]));
                }
            }));
        }
        catch
        {
            await writes.AbandonAsync();
            throw;
        }

        await writes.FlushAsync();
    }

    /// <summary>Puts queued by concurrent folds, sent 25 a call as soon as 25 are waiting; the rest on <see cref="FlushAsync"/>.</summary>
    private sealed class PutQueue(BoundedDynamoDb db, CancellationToken cancellationToken)
    {
        private readonly List<(string Table, Dictionary<string, AttributeValue> Item)> _waiting = [];
        private readonly List<Task> _sent = [];

        public void Add(string table, List<Dictionary<string, AttributeValue>> items)
        {
            lock (_waiting)
            {
                foreach (var item in items)
                {
                    _waiting.Add((table, item));
                }

                while (_waiting.Count >= BoundedDynamoDb.MaxBatchWriteItems)
                {
                    var call = _waiting.GetRange(0, BoundedDynamoDb.MaxBatchWriteItems);
                    _waiting.RemoveRange(0, BoundedDynamoDb.MaxBatchWriteItems);
                    _sent.Add(db.BatchPutAsync(call, cancellationToken));
                }
            }
        }

        /// <summary>Sends what is left and waits for every put.</summary>
        public Task FlushAsync()
        {
            lock (_waiting)
            {
                if (_waiting.Count > 0)
                {
                    _sent.Add(db.BatchPutAsync([.. _waiting], cancellationToken));
                    _waiting.Clear();
                }

                return Task.WhenAll(_sent);
            }
        }

        /// <summary>After a failed read: waits for the puts already sent (their outcome no longer matters: the batch is retried).</summary>
        public async Task AbandonAsync()
        {
            Task[] sent;
            lock (_waiting)
            {
                sent = [.. _sent];
            }

            try
            {
                await Task.WhenAll(sent);
            }
            catch (Exception)
            {
                // The read's failure is the one reported; a redelivered batch writes these rows again under their guards.
            }
        }
    }
}
