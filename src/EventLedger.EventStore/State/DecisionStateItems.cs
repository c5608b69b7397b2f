using System.Globalization;
using Amazon.DynamoDBv2.Model;
using EventLedger.Domain.Invoices;

namespace EventLedger.EventStore.State;

/// <summary>
/// Layout of the decision-state table: the snapshot equivalent. An invoice's HEAD item holds its version, currency and
/// verifiers; one <c>TX#id</c> item per transaction holds what the rules need of it. Both are written in the same
/// transaction as the events, so they are never behind the event store, and a command reads two small items by key
/// however many transactions the invoice holds.
/// </summary>
internal static class DecisionStateItems
{
    public const string HeadKey = "HEAD";

    public static string TransactionKey(string transactionId) => "TX#" + transactionId;

    public static Dictionary<string, AttributeValue> Key(string streamId, string key) => new()
    {
        ["StreamId"] = new() { S = streamId },
        ["Key"] = new() { S = key },
    };

    public static Dictionary<string, AttributeValue> ToItem(string streamId, InvoiceHead head)
    {
        var item = Key(streamId, HeadKey);
        item["Version"] = Number(head.Version);
        if (head.Currency is { } c) item["Currency"] = new() { S = c };
        item["Verifiers"] = new() { M = head.Verifiers.ToDictionary(v => v.Key, v => new AttributeValue { S = v.Value }) };
        return item;
    }

    public static InvoiceHead HeadFrom(Dictionary<string, AttributeValue>? item) => item is null
        ? InvoiceHead.Empty
        : new InvoiceHead(
            long.Parse(item["Version"].N, CultureInfo.InvariantCulture),
            item.TryGetValue("Currency", out var c) ? c.S : null,
            item.TryGetValue("Verifiers", out var v) && v.M is { } m
                ? m.ToDictionary(x => x.Key, x => x.Value.S, StringComparer.Ordinal)
                : new Dictionary<string, string>(StringComparer.Ordinal));

    public static Dictionary<string, AttributeValue> ToItem(string streamId, TransactionState tx, long version)
    {
        var item = Key(streamId, TransactionKey(tx.TransactionId));
        item["TransactionId"] = new() { S = tx.TransactionId };
        item["Amount"] = new() { N = tx.Amount.ToString(CultureInfo.InvariantCulture) };
        item["Country"] = new() { S = tx.Country };
        item["InvoiceDate"] = new() { S = tx.InvoiceDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) };
        if (tx.VerifiedBy is { } v) item["VerifiedBy"] = new() { S = v };
        item["Voided"] = new() { BOOL = tx.Voided };
        item["Version"] = Number(version);
        return item;
    }

    public static TransactionState? TransactionFrom(Dictionary<string, AttributeValue>? item) => item is null
        ? null
        : new TransactionState(
            item["TransactionId"].S,
            decimal.Parse(item["Amount"].N, NumberStyles.Float, CultureInfo.InvariantCulture),
            item["Country"].S,
            DateOnly.ParseExact(item["InvoiceDate"].S, "yyyy-MM-dd", CultureInfo.InvariantCulture),
            item.TryGetValue("VerifiedBy", out var v) ? v.S : null,
            item["Voided"].BOOL == true);

    public static AttributeValue Number(long n) => new() { N = n.ToString(CultureInfo.InvariantCulture) };
}
