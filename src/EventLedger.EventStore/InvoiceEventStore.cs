using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.Domain.Invoices;
using EventLedger.EventStore.Append;
using EventLedger.EventStore.Events;
using EventLedger.EventStore.State;
using EventLedger.EventStore.Tables;
using Microsoft.Extensions.Logging;

namespace EventLedger.EventStore;

/// <summary>
/// The event store on DynamoDB. An append is one <c>TransactWriteItems</c>: every event conditional on its version not
/// existing, the decision-state HEAD conditional on the version the command was decided on, the touched transaction's
/// state, and (with a command id) the command record conditional on not existing — so a retried command writes nothing.
/// </summary>
public sealed partial class InvoiceEventStore(IAmazonDynamoDB db, EventStoreTables tables, TimeProvider clock, ILogger<InvoiceEventStore> logger)
{
    public EventStoreTables Tables => tables;

    /// <summary>
    /// Reads what deciding a command needs, in one consistent <c>BatchGetItem</c>: the invoice head, the named
    /// transaction's state, and the command's earlier result if its id was seen before.
    /// </summary>
    public async Task<LoadedState> LoadAsync(string invoiceNumber, string? transactionId, string? commandId, CancellationToken ct)
    {
        var stateKeys = new List<Dictionary<string, AttributeValue>> { DecisionStateItems.Key(invoiceNumber, DecisionStateItems.HeadKey) };
        if (transactionId is not null)
        {
            stateKeys.Add(DecisionStateItems.Key(invoiceNumber, DecisionStateItems.TransactionKey(transactionId)));
        }

        var request = new Dictionary<string, KeysAndAttributes>
        {
            [tables.State] = new() { Keys = stateKeys, ConsistentRead = true },
        };
        if (commandId is not null)
        {
            request[tables.Commands] = new() { Keys = [CommandItems.Key(commandId)], ConsistentRead = true };
        }

        var found = new List<(string Table, Dictionary<string, AttributeValue> Item)>();
        while (request.Count > 0)
        {
            var response = await db.BatchGetItemAsync(new BatchGetItemRequest { RequestItems = request }, ct);
            foreach (var (table, items) in response.Responses ?? [])
            {
                found.AddRange(items.Select(i => (table, i)));
            }

            request = response.UnprocessedKeys is { Count: > 0 } unprocessed ? unprocessed : [];
        }

        Dictionary<string, AttributeValue>? ItemWithKey(string key) =>
            found.FirstOrDefault(f => f.Table == tables.State && f.Item["Key"].S == key).Item;

        var head = DecisionStateItems.HeadFrom(ItemWithKey(DecisionStateItems.HeadKey));
        var tx = transactionId is null ? null : DecisionStateItems.TransactionFrom(ItemWithKey(DecisionStateItems.TransactionKey(transactionId)));
        var commandItem = found.FirstOrDefault(f => f.Table == tables.Commands).Item;
        return new LoadedState(new DecisionContext(invoiceNumber, head, tx), commandItem is null ? null : CommandItems.From(commandItem));
    }

    /// <summary>Appends decided events. Throws <see cref="ConcurrencyConflictException"/> when another writer won,
    /// <see cref="DuplicateCommandException"/> when the same command id raced in, <see cref="TransactionExistsException"/>
    /// when a transaction the request records as new already exists, <see cref="AppendTooLargeException"/> at size limits.</summary>
    public Task<AppendResult> AppendAsync(AppendRequest request, CancellationToken ct) => AppendAsync(Prepare(request), ct);

    /// <summary>Writes the items of <see cref="Prepare"/> in one <c>TransactWriteItems</c>; see the other overload for the exceptions.</summary>
    public async Task<AppendResult> AppendAsync(PreparedAppend prepared, CancellationToken ct)
    {
        try
        {
            // No ClientRequestToken of our own: the SDK fills one per request and reuses it on its own retries, and
            // DynamoDB scopes tokens account-wide, so one derived from the command id would collide across tables.
            // The command record's condition makes a retried command idempotent for good.
            await db.TransactWriteItemsAsync(new TransactWriteItemsRequest { TransactItems = prepared.Items }, ct);
        }
        catch (TransactionCanceledException ex)
        {
            var reasons = ex.CancellationReasons ?? [];
            bool Failed(int index) => index >= 0 && index < reasons.Count && reasons[index].Code == "ConditionalCheckFailed";

            if (Failed(prepared.CommandIndex))
            {
                throw new DuplicateCommandException(prepared.CommandId!);
            }

            // The HEAD item comes before the transaction items, so a failed HEAD condition is always reported when it
            // failed. With HEAD current, a failed "new transaction" condition can only mean that the id is taken.
            if (!Failed(prepared.HeadIndex) && prepared.NewTransactionIndexes.FirstOrDefault(Failed, -1) is var index and >= 0)
            {
                var transactionId = prepared.Items[index].Put.Item["TransactionId"].S;
                LogTransactionExists(logger, prepared.Result.InvoiceNumber, transactionId);
                throw new TransactionExistsException(prepared.Result.InvoiceNumber, transactionId);
            }

            LogConflict(logger, prepared.Result.InvoiceNumber, prepared.ExpectedVersion, string.Join(",", reasons.Select(r => r.Code)));
            throw new ConcurrencyConflictException(prepared.Result.InvoiceNumber, prepared.ExpectedVersion);
        }

        return prepared.Result;
    }

    /// <summary>
    /// The exact items one append writes, checked against DynamoDB's limits, without writing them. <see cref="AppendAsync"/>
    /// uses it, and so does the benchmark's raw-<c>TransactWriteItems</c> ceiling, so both write the same items.
    /// </summary>
    public PreparedAppend Prepare(AppendRequest request)
    {
        if (request.Events.Count == 0)
        {
            throw new ArgumentException("Nothing to append.", nameof(request));
        }

        var state = request.State;
        var invoice = state.InvoiceNumber;
        var expected = state.Head.Version;
        var now = clock.GetUtcNow();

        var stored = request.Events
            .Select((e, i) =>
            {
                var (type, schema) = EventTypeMap.NameOf(e);
                return new StoredEvent(invoice, expected + i + 1, Guid.CreateVersion7(now), type, schema, e, request.Metadata, now);
            })
            .ToList();

        var (head, touched) = InvoiceDecider.Evolve(state, request.Events);
        var last = stored[^1];
        var result = new AppendResult(invoice, last.Version, last.EventId);

        var items = new List<TransactWriteItem>();
        foreach (var e in stored)
        {
            items.Add(new TransactWriteItem
            {
                Put = new Put
                {
                    TableName = tables.Events,
                    Item = EventItem.ToItem(e),
                    ConditionExpression = "attribute_not_exists(StreamId)",
                },
            });
        }

        items.Add(new TransactWriteItem
        {
            Put = new Put
            {
                TableName = tables.State,
                Item = DecisionStateItems.ToItem(invoice, head),
                ConditionExpression = expected == 0 ? "attribute_not_exists(StreamId)" : "Version = :expected",
                ExpressionAttributeValues = expected == 0 ? null : new() { [":expected"] = DecisionStateItems.Number(expected) },
            },
        });
        var headIndex = items.Count - 1;

        // A transaction the decision state did not hold is written only if its id is still free, so a duplicate id is
        // caught by the write itself even when the state was not read (a cached head). An existing one is guarded by
        // the HEAD condition: it cannot have changed while the invoice stayed at the expected version.
        var newTransactionIndexes = new List<int>();
        foreach (var tx in touched)
        {
            var isNew = state.Transaction?.TransactionId != tx.TransactionId;
            if (isNew)
            {
                newTransactionIndexes.Add(items.Count);
            }

            items.Add(new TransactWriteItem
            {
                Put = new Put
                {
                    TableName = tables.State,
                    Item = DecisionStateItems.ToItem(invoice, tx, last.Version),
                    ConditionExpression = isNew ? "attribute_not_exists(StreamId)" : null,
                },
            });
        }

        var commandIndex = -1;
        if (request.CommandId is { } commandId)
        {
            commandIndex = items.Count;
            items.Add(new TransactWriteItem
            {
                Put = new Put
                {
                    TableName = tables.Commands,
                    Item = CommandItems.ToItem(commandId, result, request.Fingerprint, now),
                    ConditionExpression = "attribute_not_exists(CommandId)",
                },
            });
        }

        CheckLimits(invoice, items);
        return new PreparedAppend(items, result, head)
        {
            ExpectedVersion = expected,
            HeadIndex = headIndex,
            NewTransactionIndexes = newTransactionIndexes,
            CommandIndex = commandIndex,
            CommandId = request.CommandId,
        };
    }

    /// <summary>Reads one stream in version order, from <paramref name="fromVersion"/> on.</summary>
    public async IAsyncEnumerable<StoredEvent> ReadStreamAsync(string invoiceNumber, long fromVersion = 1, [EnumeratorCancellation] CancellationToken ct = default)
    {
        Dictionary<string, AttributeValue>? start = null;
        do
        {
            var response = await db.QueryAsync(new QueryRequest
            {
                TableName = tables.Events,
                KeyConditionExpression = "StreamId = :s AND Version >= :v",
                ExpressionAttributeValues = new()
                {
                    [":s"] = new() { S = invoiceNumber },
                    [":v"] = DecisionStateItems.Number(fromVersion),
                },
                ConsistentRead = true,
                ExclusiveStartKey = start,
            }, ct);
            foreach (var item in response.Items ?? [])
            {
                yield return EventItem.FromItem(item);
            }

            start = response.LastEvaluatedKey is { Count: > 0 } k ? k : null;
        }
        while (start is not null);
    }

    /// <summary>
    /// Scans every stream with <paramref name="segments"/> parallel scan segments, streaming pages through a bounded
    /// channel (memory stays at about <c>segments × 2</c> pages). Each invoice lives in one segment and a segment's
    /// pages arrive in order, so events of one invoice arrive in version order.
    /// </summary>
    public async IAsyncEnumerable<IReadOnlyList<StoredEvent>> ScanAllAsync(int segments = 4, int pageSize = 1000, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(segments, 1);
        var channel = Channel.CreateBounded<IReadOnlyList<StoredEvent>>(new BoundedChannelOptions(segments * 2) { SingleReader = true });
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var producers = Enumerable.Range(0, segments).Select(async segment =>
        {
            Dictionary<string, AttributeValue>? start = null;
            do
            {
                var response = await db.ScanAsync(new ScanRequest
                {
                    TableName = tables.Events,
                    Segment = segment,
                    TotalSegments = segments,
                    Limit = pageSize,
                    ExclusiveStartKey = start,
                    ConsistentRead = true,
                }, cts.Token);
                if (response.Items is { Count: > 0 } items)
                {
                    await channel.Writer.WriteAsync(items.Select(EventItem.FromItem).ToList(), cts.Token);
                }

                start = response.LastEvaluatedKey is { Count: > 0 } k ? k : null;
            }
            while (start is not null);
        }).ToList();
        var completion = Task.WhenAll(producers).ContinueWith(
            t => channel.Writer.TryComplete(t.Exception?.GetBaseException()), TaskScheduler.Default);

        try
        {
            await foreach (var page in channel.Reader.ReadAllAsync(ct))
            {
                yield return page;
            }
        }
        finally
        {
            await cts.CancelAsync();
            await completion;
        }
    }

    private static void CheckLimits(string invoice, List<TransactWriteItem> items)
    {
        if (items.Count > ItemSize.MaxTransactionItems)
        {
            throw new AppendTooLargeException(
                $"Appending to invoice '{invoice}' needs {items.Count} items in one transaction; DynamoDB allows {ItemSize.MaxTransactionItems}.",
                items.Count, ItemSize.MaxTransactionItems);
        }

        long total = 0;
        foreach (var put in items.Select(i => i.Put))
        {
            var size = ItemSize.Of(put.Item);
            if (size > ItemSize.MaxItemBytes)
            {
                throw new AppendTooLargeException(
                    $"An item for invoice '{invoice}' would be {size:N0} bytes; DynamoDB's item limit is {ItemSize.MaxItemBytes:N0} bytes (400 KB). Shrink the document.",
                    size, ItemSize.MaxItemBytes);
            }

            total += size;
        }

        if (total > ItemSize.MaxTransactionBytes)
        {
            throw new AppendTooLargeException(
                $"Appending to invoice '{invoice}' would write {total:N0} bytes in one transaction; DynamoDB's limit is {ItemSize.MaxTransactionBytes:N0} bytes (4 MB).",
                total, ItemSize.MaxTransactionBytes);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Append to {Invoice} records transaction {TransactionId}, which already exists")]
    private static partial void LogTransactionExists(ILogger logger, string invoice, string transactionId);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Append to {Invoice} at version {Expected} lost a race: {Reasons}")]
    private static partial void LogConflict(ILogger logger, string invoice, long expected, string reasons);
}

/// <summary>The items of one append and what it will return; <see cref="Head"/> is the invoice head after it.</summary>
public sealed record PreparedAppend(List<TransactWriteItem> Items, AppendResult Result, InvoiceHead Head)
{
    /// <summary>The version the command was decided on (the HEAD condition).</summary>
    public required long ExpectedVersion { get; init; }

    /// <summary>Index of the HEAD put in <see cref="Items"/>.</summary>
    public required int HeadIndex { get; init; }

    /// <summary>Indexes of the transaction-state puts conditional on the id being free (transactions recorded by this append).</summary>
    public required IReadOnlyList<int> NewTransactionIndexes { get; init; }

    /// <summary>Index of the command record's put, or -1 without a command id.</summary>
    public required int CommandIndex { get; init; }

    public required string? CommandId { get; init; }
}

/// <summary>The same command id was appended concurrently by another request; its result is the one to return.</summary>
public sealed class DuplicateCommandException(string commandId) : Exception($"Command '{commandId}' was already processed.")
{
    public string CommandId { get; } = commandId;
}
