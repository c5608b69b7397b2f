using Amazon.DynamoDBv2.Model;

namespace EventLedger.Projections.DynamoDb;

/// <summary>
/// The batch write path shared by the row-per-key read models: BatchGetItem (consistent, 100 keys a call) reads the
/// current rows of a batch's changes, the version-guarded fold runs in memory (an event at or below a row's
/// lastAppliedVersion changes nothing), and BatchWriteItem (25 a call) puts only the rows that changed. Chunks of 100
/// changes run concurrently (bounded by <see cref="BoundedDynamoDb"/>), so the reads of one chunk overlap the writes of another.
/// </summary>
/// <remarks>
/// The put is unconditional, which is safe only with one writer per invoice at a time: the projection host applies a
/// shard's batches one after another while holding the shard's lease, every event of an invoice is in one shard, and the
/// read is consistent and follows the previous batch's writes. See <c>InvoiceTransactionsProjection</c> for the window in
/// which a host that lost its lease could still overwrite a newer row, and <c>ProjectionWriteOptions.ConditionalRowWrites</c>
/// for the conditional alternative.
/// </remarks>
internal static class BatchReadFoldPut
{
    public static Task RunAsync<TChange, TRow, TKey>(
        BoundedDynamoDb db,
        string tableName,
        IReadOnlyList<TChange> changes,
        Func<TChange, TKey> keyOfChange,
        Func<TRow, TKey> keyOfRow,
        Func<TChange, Dictionary<string, AttributeValue>> itemKey,
        Func<IReadOnlyDictionary<string, AttributeValue>, TRow> fromItem,
        Func<TRow?, TChange, TRow?> fold,
        Func<TRow, Dictionary<string, AttributeValue>> toItem,
        CancellationToken cancellationToken)
        where TRow : class
        where TKey : notnull =>
        Task.WhenAll(changes.Chunk(BoundedDynamoDb.MaxBatchGetKeys).Select(async chunk =>
        {
            var items = await db.BatchGetAsync(tableName, [.. chunk.Select(itemKey)], cancellationToken);
            var current = new Dictionary<TKey, TRow>(items.Count);
            foreach (var item in items)
            {
                var row = fromItem(item);
                current[keyOfRow(row)] = row;
            }

            var puts = new List<Dictionary<string, AttributeValue>>(chunk.Length);
            foreach (var change in chunk)
            {
                var row = current.GetValueOrDefault(keyOfChange(change));
                var next = fold(row, change);
                if (next is not null && !next.Equals(row))
                {
                    puts.Add(toItem(next));
                }
            }

            if (puts.Count > 0)
            {
                await db.BatchPutAsync(tableName, puts, cancellationToken);
            }
        }));
}
