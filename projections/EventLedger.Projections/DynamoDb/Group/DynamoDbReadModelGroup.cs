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
/// The host's work overlaps the store's: puts go out 25 at a time as soon as they are folded. A member with nothing to
/// read (invoice-history, whose rows never change) is folded while the others' rows are read, so its rows — half of a
/// catch-up's writes — are written during the reads, and the members that read send their rows while the next one
/// folds. A batch still costs as few BatchWriteItem calls as one write at the end would (a batch of a few events, one).
/// Every row is put at most once per batch and the tables are independent, so the order of the puts does not matter; if
/// any call fails, the whole batch fails (once the calls already sent have finished) and is applied again.
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
        var puts = new ChunkedPuts(db, cancellationToken);
        Task<Dictionary<string, List<Dictionary<string, AttributeValue>>>>? reading = null;
        try
        {
            reading = keys.Count == 0
                ? Task.FromResult(new Dictionary<string, List<Dictionary<string, AttributeValue>>>())
                : db.BatchGetAsync(keys, cancellationToken);
            foreach (var plan in plans.Where(p => p.KeysToRead.Count == 0))
            {
                puts.Add(plan.TableName, plan.Fold([]));
            }

            var current = await reading;
            foreach (var plan in plans.Where(p => p.KeysToRead.Count > 0))
            {
                puts.Add(plan.TableName, plan.Fold(current.TryGetValue(plan.TableName, out var items) ? items : []));
            }

            await puts.FlushAsync();
        }
        catch
        {
            // Let the calls already sent finish before the gate goes away; the caller applies the whole batch again.
            await SettledAsync(reading);
            await puts.SettleAsync();
            throw;
        }

        return plans;
    }

    /// <summary>Completes when <paramref name="call"/> has, whatever its outcome.</summary>
    private static Task SettledAsync(Task? call) =>
        call?.ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default) ?? Task.CompletedTask;

    /// <summary>
    /// Puts sent as soon as 25 have gathered, across tables, the rest on <see cref="FlushAsync"/>: as few BatchWriteItem
    /// calls as one write at the end would make (a batch of a few events still costs one), but a large batch's first
    /// calls go out while the host is still reading and folding. Used from one flow at a time, so it needs no lock.
    /// </summary>
    private sealed class ChunkedPuts(BoundedDynamoDb db, CancellationToken cancellationToken)
    {
        private readonly List<Task> _sent = [];
        private List<(string Table, Dictionary<string, AttributeValue> Item)> _gathering = new(BoundedDynamoDb.MaxBatchWriteItems);

        public void Add(string table, IEnumerable<Dictionary<string, AttributeValue>> items)
        {
            foreach (var item in items)
            {
                _gathering.Add((table, item));
                if (_gathering.Count == BoundedDynamoDb.MaxBatchWriteItems)
                {
                    Send();
                }
            }
        }

        public Task FlushAsync()
        {
            if (_gathering.Count > 0)
            {
                Send();
            }

            return Task.WhenAll(_sent);
        }

        /// <summary>Waits for every call already sent, whatever its outcome.</summary>
        public Task SettleAsync() => SettledAsync(Task.WhenAll(_sent));

        private void Send()
        {
            _sent.Add(db.BatchPutAsync(_gathering, cancellationToken));
            _gathering = new(BoundedDynamoDb.MaxBatchWriteItems);
        }
    }
}
