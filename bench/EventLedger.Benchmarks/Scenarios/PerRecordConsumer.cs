using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.EventStore.Events;
using EventLedger.Projections.Common;
using EventLedger.Projections.DynamoDb;
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
    private static readonly InvoiceTotalsProjection TotalsModel = new();
    private static readonly CountryCountsProjection CountriesModel = new();
    private static readonly InvoiceTransactionsProjection TransactionsModel = new();
    private static readonly InvoiceHistoryProjection HistoryModel = new();
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
        var writes = new List<Task> { TotalsAsync(e), CountriesAsync(e), HistoryAsync(e) };
        if (TransactionsModel.Apply(null, e) is { } tx)
        {
            writes.Add(TransactionsAsync(e, tx));
        }

        await Task.WhenAll(writes);
    }

    private Task TotalsAsync(StoredEvent e)
    {
        // The read model's row for this event alone is the event's delta (a fresh row starts at zero).
        var item = TotalsModel.Rows.ToItem(TotalsModel.Apply(null, e)!);
        var names = new Dictionary<string, string>
        {
            ["#pk"] = "invoiceNumber",
            ["#v"] = "lastAppliedVersion",
            ["#at"] = "updatedAt",
            ["#total"] = "total",
            ["#count"] = "transactionCount",
        };
        var values = new Dictionary<string, AttributeValue>
        {
            [":v"] = item["lastAppliedVersion"],
            [":at"] = item["updatedAt"],
            [":total"] = item["total"],
            [":count"] = item["transactionCount"],
        };
        var set = "#v = :v, #at = :at";
        if (item.TryGetValue("currency", out var currency))
        {
            set += ", #cur = :cur";
            names["#cur"] = "currency";
            values[":cur"] = currency;
        }

        return UpdateAsync(new UpdateItemRequest
        {
            TableName = _totals,
            Key = TotalsModel.Rows.Key(TotalsModel.KeyOf(e)!.Value),
            UpdateExpression = $"SET {set} ADD #total :total, #count :count",
            ConditionExpression = "attribute_not_exists(#pk) OR #v < :v",
            ExpressionAttributeNames = names,
            ExpressionAttributeValues = values,
        });
    }

    private Task CountriesAsync(StoredEvent e)
    {
        var item = CountriesModel.Rows.ToItem(CountriesModel.Apply(null, e)!);
        var verifierObserved = e.Data is Domain.Invoices.TransactionRecorded or Domain.Invoices.VerifierAssigned or Domain.Invoices.VerifierUnassigned;
        var names = new Dictionary<string, string>
        {
            ["#pk"] = "invoiceNumber",
            ["#v"] = "lastAppliedVersion",
            ["#count"] = "transactionCount",
            ["#verified"] = "verifiedTransactionCount",
        };
        var values = new Dictionary<string, AttributeValue>
        {
            [":v"] = item["lastAppliedVersion"],
            [":count"] = item["transactionCount"],
            [":verified"] = item["verifiedTransactionCount"],
        };
        var set = "#v = :v";
        var remove = "";
        if (verifierObserved)
        {
            names["#verifier"] = "verifier";
            if (item.TryGetValue("verifier", out var verifier))
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
            Key = CountriesModel.Rows.Key(CountriesModel.KeyOf(e)!.Value),
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
    private Task TransactionsAsync(StoredEvent e, InvoiceTransactionRow row)
    {
        var item = TransactionsModel.Rows.ToItem(row);
        var names = new Dictionary<string, string> { ["#pk"] = "invoiceNumber" };
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

        Set("lastAppliedVersion");
        Set("amount");
        Set("updatedAt");
        var recorded = e.Data is Domain.Invoices.TransactionRecorded;
        Set("currency", ifNotExists: !recorded);
        Set("country", ifNotExists: !recorded);
        Set("invoiceDate", ifNotExists: !recorded);
        switch (e.Data)
        {
            case Domain.Invoices.TransactionRecorded:
                Set("status");
                SetOrRemove("verifiedBy");
                SetOrRemove("document");
                break;
            case Domain.Invoices.TransactionAdjusted:
                Set("status", ifNotExists: true);
                break;
            case Domain.Invoices.TransactionVoided:
                Set("status");
                SetOrRemove("verifiedBy");
                break;
        }

        names["#v"] = "lastAppliedVersion";
        return UpdateAsync(new UpdateItemRequest
        {
            TableName = _transactions,
            Key = TransactionsModel.Rows.KeyOf(row) is var key ? TransactionsModel.Rows.Key(key) : null,
            UpdateExpression = $"SET {string.Join(", ", sets)}" + (removes.Count > 0 ? $" REMOVE {string.Join(", ", removes)}" : ""),
            ConditionExpression = "attribute_not_exists(#pk) OR #v < :a0",
            ExpressionAttributeNames = names,
            ExpressionAttributeValues = values,
        });
    }

    private async Task HistoryAsync(StoredEvent e)
    {
        try
        {
            await db.PutItemAsync(new PutItemRequest
            {
                TableName = _history,
                Item = HistoryModel.Rows.ToItem(InvoiceHistoryProjection.ToRow(e)),
                ConditionExpression = "attribute_not_exists(#pk)",
                ExpressionAttributeNames = new() { ["#pk"] = "invoiceNumber" },
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
