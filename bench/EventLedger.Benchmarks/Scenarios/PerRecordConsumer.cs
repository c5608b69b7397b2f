using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.EventStore.Events;
using EventLedger.Projections.Common;
using EventLedger.Projections.CountryCounts;
using EventLedger.Projections.InvoiceHistory;
using EventLedger.Projections.InvoiceTotals;
using EventLedger.Projections.InvoiceTransactions;
using StreamRecordItem = EventLedger.Streams.Client.Model.Record;

namespace EventLedger.Benchmarks.Scenarios;

/// <summary>
/// The design pattern's Lambda, made to produce exactly our read models: for each stream record, one conditional
/// UpdateItem per read model (a conditional PutItem for the history row), guarded by the row's lastAppliedVersion, so a
/// redelivered record changes nothing. No reads, no coalescing. Records of a page run in lanes keyed by invoice (the
/// ParallelizationFactor of an event source mapping), so per-invoice order holds; a record's writes go out together.
/// </summary>
public sealed class PerRecordConsumer(IAmazonDynamoDB db, string prefix)
{
    private const int Lanes = 8;
    private readonly string _totals = new ReadModelTable(prefix, InvoiceTotalsProjection.ProjectionName, 1).TableName;
    private readonly string _countries = new ReadModelTable(prefix, CountryCountsProjection.ProjectionName, 1).TableName;
    private readonly string _transactions = new ReadModelTable(prefix, InvoiceTransactionsProjection.ProjectionName, 1).TableName;
    private readonly string _history = new ReadModelTable(prefix, InvoiceHistoryProjection.ProjectionName, 1).TableName;
    private long _writes;

    public long Writes => Interlocked.Read(ref _writes);

    public Task ApplyPageAsync(List<StreamRecordItem> records)
    {
        var events = records.Where(r => r.Dynamodb.NewImage is { } image && EventItem.IsEvent(image))
            .Select(r => EventItem.FromItem(r.Dynamodb.NewImage!)).ToList();
        return Task.WhenAll(events.GroupBy(e => (uint)StringComparer.Ordinal.GetHashCode(e.StreamId) % Lanes)
            .Select(lane => Task.Run(async () =>
            {
                foreach (var e in lane)
                {
                    await ApplyAsync(e);
                }
            })));
    }

    private async Task ApplyAsync(StoredEvent e)
    {
        var writes = new List<Task> { Totals(e), Countries(e), History(e) };
        if (InvoiceTransactionsFold.Apply(null, e) is { } tx)
        {
            writes.Add(Transactions(e, tx));
        }

        await Task.WhenAll(writes);
    }

    private Task Totals(StoredEvent e)
    {
        var change = InvoiceTotalsFold.Changes([e])[0];
        var item = InvoiceTotalsTable.ToItem(new InvoiceTotalsRow(e.StreamId, change.TotalDelta, change.Currency,
            change.TransactionCountDelta, e.RecordedAt, e.Version));
        var names = new Dictionary<string, string>
        {
            ["#pk"] = InvoiceTotalsTable.InvoiceNumber,
            ["#v"] = InvoiceTotalsTable.LastAppliedVersion,
            ["#at"] = InvoiceTotalsTable.UpdatedAt,
            ["#total"] = InvoiceTotalsTable.Total,
            ["#count"] = InvoiceTotalsTable.TransactionCount,
        };
        var values = new Dictionary<string, AttributeValue>
        {
            [":v"] = item[InvoiceTotalsTable.LastAppliedVersion],
            [":at"] = item[InvoiceTotalsTable.UpdatedAt],
            [":total"] = item[InvoiceTotalsTable.Total],
            [":count"] = item[InvoiceTotalsTable.TransactionCount],
        };
        var set = "#v = :v, #at = :at";
        if (item.TryGetValue(InvoiceTotalsTable.Currency, out var currency))
        {
            set += ", #cur = :cur";
            names["#cur"] = InvoiceTotalsTable.Currency;
            values[":cur"] = currency;
        }

        return UpdateAsync(new UpdateItemRequest
        {
            TableName = _totals,
            Key = InvoiceTotalsTable.Key(e.StreamId),
            UpdateExpression = $"SET {set} ADD #total :total, #count :count",
            ConditionExpression = "attribute_not_exists(#pk) OR #v < :v",
            ExpressionAttributeNames = names,
            ExpressionAttributeValues = values,
        });
    }

    private Task Countries(StoredEvent e)
    {
        var change = CountryCountsFold.Changes([e])[0];
        var item = CountryCountsTable.ToItem(new CountryCountsRow(e.StreamId, change.Country, change.Verifier,
            change.TransactionCountDelta, change.VerifiedTransactionCountDelta, e.Version));
        var names = new Dictionary<string, string>
        {
            ["#pk"] = CountryCountsTable.InvoiceNumber,
            ["#v"] = CountryCountsTable.LastAppliedVersion,
            ["#count"] = CountryCountsTable.TransactionCount,
            ["#verified"] = CountryCountsTable.VerifiedTransactionCount,
        };
        var values = new Dictionary<string, AttributeValue>
        {
            [":v"] = item[CountryCountsTable.LastAppliedVersion],
            [":count"] = item[CountryCountsTable.TransactionCount],
            [":verified"] = item[CountryCountsTable.VerifiedTransactionCount],
        };
        var set = "#v = :v";
        var remove = "";
        if (change.VerifierObserved)
        {
            names["#verifier"] = CountryCountsTable.Verifier;
            if (item.TryGetValue(CountryCountsTable.Verifier, out var verifier))
            {
                set += ", #verifier = :verifier";
                values[":verifier"] = verifier;
            }
            else
            {
                remove = " REMOVE #verifier";
            }
        }

        return UpdateAsync(new UpdateItemRequest
        {
            TableName = _countries,
            Key = CountryCountsTable.Key(e.StreamId, change.Country),
            UpdateExpression = $"SET {set} ADD #count :count, #verified :verified{remove}",
            ConditionExpression = "attribute_not_exists(#pk) OR #v < :v",
            ExpressionAttributeNames = names,
            ExpressionAttributeValues = values,
        });
    }

    /// <summary>
    /// A recorded transaction sets every attribute; an adjustment sets the amount (and, for a row that does not exist,
    /// the facts the event carries); a void sets amount, status and verifier. The values come from the fold's row for the
    /// event alone, so they are formatted exactly as the projection formats them.
    /// </summary>
    private Task Transactions(StoredEvent e, InvoiceTransactionRow row)
    {
        var item = InvoiceTransactionsTable.ToItem(row);
        var names = new Dictionary<string, string> { ["#pk"] = InvoiceTransactionsTable.InvoiceNumber };
        var values = new Dictionary<string, AttributeValue>();
        var sets = new List<string>();
        var removes = new List<string>();
        void Set(string attribute, bool ifNotExists = false)
        {
            var n = "#a" + names.Count;
            var v = ":a" + values.Count;
            names[n] = attribute;
            values[v] = item[attribute];
            sets.Add(ifNotExists ? $"{n} = if_not_exists({n}, {v})" : $"{n} = {v}");
        }

        void SetOrRemove(string attribute)
        {
            if (item.ContainsKey(attribute))
            {
                Set(attribute);
            }
            else
            {
                var n = "#a" + names.Count;
                names[n] = attribute;
                removes.Add(n);
            }
        }

        Set(InvoiceTransactionsTable.LastAppliedVersion);
        Set(InvoiceTransactionsTable.Amount);
        Set(InvoiceTransactionsTable.UpdatedAt);
        var recorded = e.Data is Domain.Invoices.TransactionRecorded;
        Set(InvoiceTransactionsTable.Currency, ifNotExists: !recorded);
        Set(InvoiceTransactionsTable.Country, ifNotExists: !recorded);
        Set(InvoiceTransactionsTable.InvoiceDate, ifNotExists: !recorded);
        switch (e.Data)
        {
            case Domain.Invoices.TransactionRecorded:
                Set(InvoiceTransactionsTable.Status);
                SetOrRemove(InvoiceTransactionsTable.VerifiedBy);
                SetOrRemove(InvoiceTransactionsTable.Document);
                break;
            case Domain.Invoices.TransactionAdjusted:
                Set(InvoiceTransactionsTable.Status, ifNotExists: true);
                break;
            case Domain.Invoices.TransactionVoided:
                Set(InvoiceTransactionsTable.Status);
                SetOrRemove(InvoiceTransactionsTable.VerifiedBy);
                break;
        }

        names["#v"] = InvoiceTransactionsTable.LastAppliedVersion;
        return UpdateAsync(new UpdateItemRequest
        {
            TableName = _transactions,
            Key = InvoiceTransactionsTable.Key(row.InvoiceNumber, row.TransactionId),
            UpdateExpression = $"SET {string.Join(", ", sets)}" + (removes.Count > 0 ? $" REMOVE {string.Join(", ", removes)}" : ""),
            ConditionExpression = "attribute_not_exists(#pk) OR #v < :a0",
            ExpressionAttributeNames = names,
            ExpressionAttributeValues = values,
        });
    }

    private async Task History(StoredEvent e)
    {
        try
        {
            await db.PutItemAsync(new PutItemRequest
            {
                TableName = _history,
                Item = InvoiceHistoryTable.ToItem(InvoiceHistoryFold.ToRow(e)),
                ConditionExpression = "attribute_not_exists(#pk)",
                ExpressionAttributeNames = new() { ["#pk"] = InvoiceHistoryTable.InvoiceNumber },
            });
        }
        catch (ConditionalCheckFailedException)
        {
            // already applied: a redelivery
        }

        Interlocked.Increment(ref _writes);
    }

    private async Task UpdateAsync(UpdateItemRequest request)
    {
        try
        {
            await db.UpdateItemAsync(request);
        }
        catch (ConditionalCheckFailedException)
        {
            // already applied: a redelivery
        }

        Interlocked.Increment(ref _writes);
    }
}
