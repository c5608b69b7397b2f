using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.Projections.DynamoDb;

namespace EventLedger.Projections.InvoiceTransactions;

/// <summary>The invoice-transactions table: PK <c>invoiceNumber</c> (S), SK <c>transactionId</c> (S).</summary>
public static class InvoiceTransactionsTable
{
    public const string InvoiceNumber = "invoiceNumber";
    public const string TransactionId = "transactionId";
    public const string Amount = "amount";
    public const string Currency = "currency";
    public const string Country = "country";
    public const string InvoiceDate = "invoiceDate";
    public const string Status = "status";
    public const string VerifiedBy = "verifiedBy";
    public const string Document = "document";
    public const string UpdatedAt = "updatedAt";
    public const string LastAppliedVersion = ReadFoldWrite.LastAppliedVersion;

    public const string Live = "live";
    public const string Voided = "voided";

    public static ReadModelTableDefinition Definition(string tableName) =>
        new(tableName, new KeyAttribute(InvoiceNumber, ScalarAttributeType.S), new KeyAttribute(TransactionId, ScalarAttributeType.S));

    public static Dictionary<string, AttributeValue> Key(string invoiceNumber, string transactionId) => new()
    {
        [InvoiceNumber] = Attr.S(invoiceNumber),
        [TransactionId] = Attr.S(transactionId),
    };

    public static string StatusText(TransactionStatus status) => status == TransactionStatus.Voided ? Voided : Live;

    public static Dictionary<string, AttributeValue> ToItem(InvoiceTransactionRow row)
    {
        var item = Key(row.InvoiceNumber, row.TransactionId);
        item[Amount] = Attr.N(row.Amount);
        item[Currency] = Attr.S(row.Currency);
        item[Country] = Attr.S(row.Country);
        item[InvoiceDate] = Attr.Date(row.InvoiceDate);
        item[Status] = Attr.S(StatusText(row.Status));
        item[UpdatedAt] = Attr.Time(row.UpdatedAt);
        item[LastAppliedVersion] = Attr.N(row.LastAppliedVersion);
        if (row.VerifiedBy is { } verifiedBy)
        {
            item[VerifiedBy] = Attr.S(verifiedBy);
        }

        if (row.Document is { } document)
        {
            item[Document] = Attr.S(document);
        }

        return item;
    }

    public static InvoiceTransactionRow FromItem(IReadOnlyDictionary<string, AttributeValue> item) => new(
        Attr.GetS(item, InvoiceNumber),
        Attr.GetS(item, TransactionId),
        Attr.GetDecimal(item, Amount),
        Attr.GetS(item, Currency),
        Attr.GetS(item, Country),
        Attr.GetDate(item, InvoiceDate),
        Attr.GetS(item, Status) == Voided ? TransactionStatus.Voided : TransactionStatus.Live,
        Attr.GetOptionalS(item, VerifiedBy),
        Attr.GetOptionalS(item, Document),
        Attr.GetTime(item, UpdatedAt),
        Attr.GetLong(item, LastAppliedVersion));
}
