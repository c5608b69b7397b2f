using System.Globalization;
using Amazon.DynamoDBv2.Model;
using EventLedger.Domain.Invoices;
using EventLedger.EventStore.Append;

namespace EventLedger.EventStore.State;

/// <summary>Layout of the processed-commands table: the first result of each command id, kept for good.</summary>
internal static class CommandItems
{
    public static Dictionary<string, AttributeValue> Key(string commandId) => new() { ["CommandId"] = new() { S = commandId } };

    public static Dictionary<string, AttributeValue> ToItem(string commandId, AppendResult result, string? fingerprint, DateTimeOffset at)
    {
        var item = Key(commandId);
        item["InvoiceNumber"] = new() { S = result.InvoiceNumber };
        item["Version"] = DecisionStateItems.Number(result.Version);
        item["EventId"] = new() { S = result.EventId.ToString() };
        item["ProcessedAt"] = new() { S = at.UtcDateTime.ToString("O", CultureInfo.InvariantCulture) };
        if (fingerprint is not null) item["Fingerprint"] = new() { S = fingerprint };
        return item;
    }

    public static PriorCommand From(Dictionary<string, AttributeValue> item) => new(
        new AppendResult(
            item["InvoiceNumber"].S,
            long.Parse(item["Version"].N, CultureInfo.InvariantCulture),
            Guid.Parse(item["EventId"].S),
            Replayed: true),
        item.TryGetValue("Fingerprint", out var f) ? f.S : null);
}
