using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.Projections.Common;

namespace EventLedger.Projections.DynamoDb;

/// <summary>
/// The DynamoDB calls of one <c>ApplyAsync</c>: at most <see cref="ProjectionWriteOptions.MaxConcurrentCalls"/> in flight,
/// BatchGetItem in chunks of 100 keys and BatchWriteItem in chunks of 25 items, leftovers (UnprocessedKeys/Items, which
/// DynamoDB returns under throttling) re-sent with exponential back-off and full jitter. The gate is held only around a
/// single call, never across a back-off delay, so callers may fan out freely without deadlocking.
/// </summary>
internal sealed class BoundedDynamoDb(IAmazonDynamoDB dynamoDb, ProjectionWriteOptions options) : IDisposable
{
    public const int MaxBatchGetKeys = 100;
    public const int MaxBatchWriteItems = 25;

    private readonly SemaphoreSlim _gate = new(options.MaxConcurrentCalls, options.MaxConcurrentCalls);

    public ProjectionWriteOptions Options => options;

    public async Task<T> CallAsync<T>(Func<IAmazonDynamoDB, CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            return await call(dynamoDb, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Consistent reads of any number of keys (duplicates are not allowed by DynamoDB; callers pass distinct keys).</summary>
    public async Task<List<Dictionary<string, AttributeValue>>> BatchGetAsync(
        string tableName, IReadOnlyList<Dictionary<string, AttributeValue>> keys, CancellationToken cancellationToken)
    {
        var chunks = await Task.WhenAll(keys.Chunk(MaxBatchGetKeys).Select(chunk => BatchGetChunkAsync(tableName, chunk, cancellationToken)));
        return [.. chunks.SelectMany(c => c)];
    }

    /// <summary>Puts any number of items (distinct keys) with BatchWriteItem: unconditional, see the projections' safety notes.</summary>
    public Task BatchPutAsync(string tableName, IReadOnlyList<Dictionary<string, AttributeValue>> items, CancellationToken cancellationToken) =>
        Task.WhenAll(items.Chunk(MaxBatchWriteItems).Select(chunk => BatchPutChunkAsync(tableName, chunk, cancellationToken)));

    /// <summary>
    /// Consistent reads of keys across several tables (distinct keys per table), 100 keys a call whatever their table, so a
    /// batch that touches few rows of many tables costs one call. Returns the items found, per table.
    /// </summary>
    public async Task<Dictionary<string, List<Dictionary<string, AttributeValue>>>> BatchGetAsync(
        IReadOnlyList<(string Table, Dictionary<string, AttributeValue> Key)> keys, CancellationToken cancellationToken)
    {
        var chunks = await Task.WhenAll(keys.Chunk(MaxBatchGetKeys).Select(chunk => BatchGetChunkAsync(chunk, cancellationToken)));
        var found = new Dictionary<string, List<Dictionary<string, AttributeValue>>>(StringComparer.Ordinal);
        foreach (var (table, items) in chunks.SelectMany(c => c))
        {
            if (!found.TryGetValue(table, out var list))
            {
                found[table] = list = [];
            }

            list.AddRange(items);
        }

        return found;
    }

    /// <summary>Puts items across several tables (distinct keys per table), 25 a call whatever their table.</summary>
    public Task BatchPutAsync(IReadOnlyList<(string Table, Dictionary<string, AttributeValue> Item)> items, CancellationToken cancellationToken) =>
        Task.WhenAll(items.Chunk(MaxBatchWriteItems).Select(chunk => BatchPutChunkAsync(chunk, cancellationToken)));

    public void Dispose() => _gate.Dispose();

    private async Task<List<(string Table, List<Dictionary<string, AttributeValue>> Items)>> BatchGetChunkAsync(
        (string Table, Dictionary<string, AttributeValue> Key)[] keys, CancellationToken cancellationToken)
    {
        var found = new List<(string, List<Dictionary<string, AttributeValue>>)>();
        var pending = keys.GroupBy(k => k.Table, StringComparer.Ordinal).ToDictionary(
            g => g.Key, g => new KeysAndAttributes { Keys = [.. g.Select(k => k.Key)], ConsistentRead = true }, StringComparer.Ordinal);
        for (var round = 0; ; round++)
        {
            var request = new BatchGetItemRequest { RequestItems = pending };
            var response = await CallAsync((db, ct) => db.BatchGetItemAsync(request, ct), cancellationToken);
            foreach (var (table, items) in response.Responses ?? [])
            {
                found.Add((table, items));
            }

            var left = (response.UnprocessedKeys ?? []).Where(kv => kv.Value.Keys is { Count: > 0 }).ToDictionary(
                kv => kv.Key, kv => new KeysAndAttributes { Keys = kv.Value.Keys, ConsistentRead = true }, StringComparer.Ordinal);
            if (left.Count == 0)
            {
                return found;
            }

            if (round >= options.MaxUnprocessedRetries)
            {
                throw new ProjectionStoreException(
                    $"BatchGetItem on {string.Join(", ", left.Keys)}: {left.Values.Sum(k => k.Keys.Count)} keys still unprocessed after {round + 1} rounds (throttled?).");
            }

            pending = left;
            await BackoffAsync(round, cancellationToken);
        }
    }

    private async Task BatchPutChunkAsync((string Table, Dictionary<string, AttributeValue> Item)[] items, CancellationToken cancellationToken)
    {
        var pending = items.GroupBy(i => i.Table, StringComparer.Ordinal).ToDictionary(
            g => g.Key, g => g.Select(i => new WriteRequest { PutRequest = new PutRequest { Item = i.Item } }).ToList(), StringComparer.Ordinal);
        for (var round = 0; ; round++)
        {
            var request = new BatchWriteItemRequest { RequestItems = pending };
            var response = await CallAsync((db, ct) => db.BatchWriteItemAsync(request, ct), cancellationToken);
            var left = (response.UnprocessedItems ?? []).Where(kv => kv.Value is { Count: > 0 }).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            if (left.Count == 0)
            {
                return;
            }

            if (round >= options.MaxUnprocessedRetries)
            {
                throw new ProjectionStoreException(
                    $"BatchWriteItem on {string.Join(", ", left.Keys)}: {left.Values.Sum(l => l.Count)} items still unprocessed after {round + 1} rounds (throttled?).");
            }

            pending = left;
            await BackoffAsync(round, cancellationToken);
        }
    }

    private async Task<List<Dictionary<string, AttributeValue>>> BatchGetChunkAsync(
        string tableName, Dictionary<string, AttributeValue>[] keys, CancellationToken cancellationToken)
    {
        var found = new List<Dictionary<string, AttributeValue>>(keys.Length);
        var pending = new KeysAndAttributes { Keys = [.. keys], ConsistentRead = true };
        for (var round = 0; ; round++)
        {
            var request = new BatchGetItemRequest { RequestItems = new() { [tableName] = pending } };
            var response = await CallAsync((db, ct) => db.BatchGetItemAsync(request, ct), cancellationToken);
            if (response.Responses?.TryGetValue(tableName, out var items) == true)
            {
                found.AddRange(items);
            }

            if (response.UnprocessedKeys?.TryGetValue(tableName, out var left) != true || left!.Keys is not { Count: > 0 })
            {
                return found;
            }

            if (round >= options.MaxUnprocessedRetries)
            {
                throw new ProjectionStoreException(
                    $"BatchGetItem on '{tableName}': {left.Keys.Count} keys still unprocessed after {round + 1} rounds (throttled?).");
            }

            pending = new KeysAndAttributes { Keys = left.Keys, ConsistentRead = true };
            await BackoffAsync(round, cancellationToken);
        }
    }

    private async Task BatchPutChunkAsync(string tableName, Dictionary<string, AttributeValue>[] items, CancellationToken cancellationToken)
    {
        List<WriteRequest> pending = [.. items.Select(item => new WriteRequest { PutRequest = new PutRequest { Item = item } })];
        for (var round = 0; ; round++)
        {
            var request = new BatchWriteItemRequest { RequestItems = new() { [tableName] = pending } };
            var response = await CallAsync((db, ct) => db.BatchWriteItemAsync(request, ct), cancellationToken);
            if (response.UnprocessedItems?.TryGetValue(tableName, out var left) != true || left is not { Count: > 0 })
            {
                return;
            }

            if (round >= options.MaxUnprocessedRetries)
            {
                throw new ProjectionStoreException(
                    $"BatchWriteItem on '{tableName}': {left.Count} items still unprocessed after {round + 1} rounds (throttled?).");
            }

            pending = left;
            await BackoffAsync(round, cancellationToken);
        }
    }

    public Task BackoffAsync(int round, CancellationToken cancellationToken)
    {
        var cap = Math.Min(options.MaxBackoff.TotalMilliseconds, options.BaseBackoff.TotalMilliseconds * Math.Pow(2, Math.Min(round, 16)));
        return Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * cap), cancellationToken);
    }
}

/// <summary>A read-model store kept refusing a write (throttling that outlasted the retries, or a lost race that kept recurring).</summary>
public sealed class ProjectionStoreException(string message) : Exception(message);
