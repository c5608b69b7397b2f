using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.Projections.DynamoDb;

namespace EventLedger.Projections.InvoiceTotals;

/// <summary>The invoice-totals table: PK <c>invoiceNumber</c> (S); one item per invoice.</summary>
public static class InvoiceTotalsTable
{
    public const string InvoiceNumber = "invoiceNumber";
    public const string Total = "total";
    public const string Currency = "currency";
    public const string TransactionCount = "transactionCount";
    public const string UpdatedAt = "updatedAt";
    public const string LastAppliedVersion = ReadFoldWrite.LastAppliedVersion;

    public static ReadModelTableDefinition Definition(string tableName) =>
        new(tableName, new KeyAttribute(InvoiceNumber, ScalarAttributeType.S), SortKey: null);

    public static Dictionary<string, AttributeValue> Key(string invoiceNumber) => new() { [InvoiceNumber] = Attr.S(invoiceNumber) };

    public static Dictionary<string, AttributeValue> ToItem(InvoiceTotalsRow row)
    {
        var item = new Dictionary<string, AttributeValue>
        {
            [InvoiceNumber] = Attr.S(row.InvoiceNumber),
            [Total] = Attr.N(row.Total),
            [TransactionCount] = Attr.N(row.TransactionCount),
            [UpdatedAt] = Attr.Time(row.UpdatedAt),
            [LastAppliedVersion] = Attr.N(row.LastAppliedVersion),
        };
        if (row.Currency is { } currency)
        {
            item[Currency] = Attr.S(currency);
        }

        return item;
    }

    public static InvoiceTotalsRow FromItem(IReadOnlyDictionary<string, AttributeValue> item) => new(
        Attr.GetS(item, InvoiceNumber),
        item.ContainsKey(Total) ? Attr.GetDecimal(item, Total) : 0m,
        Attr.GetOptionalS(item, Currency),
        Attr.GetCounter(item, TransactionCount),
        Attr.GetTime(item, UpdatedAt),
        Attr.GetLong(item, LastAppliedVersion));
}
