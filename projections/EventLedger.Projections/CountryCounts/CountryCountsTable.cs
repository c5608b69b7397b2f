using Amazon.DynamoDBv2;
using Amazon.DynamoDBv2.Model;
using EventLedger.Projections.DynamoDb;

namespace EventLedger.Projections.CountryCounts;

/// <summary>The country-counts table: PK <c>invoiceNumber</c> (S), SK <c>country</c> (S).</summary>
public static class CountryCountsTable
{
    public const string InvoiceNumber = "invoiceNumber";
    public const string Country = "country";
    public const string Verifier = "verifier";
    public const string TransactionCount = "transactionCount";
    public const string VerifiedTransactionCount = "verifiedTransactionCount";
    public const string LastAppliedVersion = ReadFoldWrite.LastAppliedVersion;

    public static ReadModelTableDefinition Definition(string tableName) =>
        new(tableName, new KeyAttribute(InvoiceNumber, ScalarAttributeType.S), new KeyAttribute(Country, ScalarAttributeType.S));

    public static Dictionary<string, AttributeValue> Key(string invoiceNumber, string country) => new()
    {
        [InvoiceNumber] = Attr.S(invoiceNumber),
        [Country] = Attr.S(country),
    };

    public static Dictionary<string, AttributeValue> ToItem(CountryCountsRow row)
    {
        var item = Key(row.InvoiceNumber, row.Country);
        item[TransactionCount] = Attr.N(row.TransactionCount);
        item[VerifiedTransactionCount] = Attr.N(row.VerifiedTransactionCount);
        item[LastAppliedVersion] = Attr.N(row.LastAppliedVersion);
        if (row.Verifier is { } verifier)
        {
            item[Verifier] = Attr.S(verifier);
        }

        return item;
    }

    public static CountryCountsRow FromItem(IReadOnlyDictionary<string, AttributeValue> item) => new(
        Attr.GetS(item, InvoiceNumber),
        Attr.GetS(item, Country),
        Attr.GetOptionalS(item, Verifier),
        Attr.GetCounter(item, TransactionCount),
        Attr.GetCounter(item, VerifiedTransactionCount),
        Attr.GetLong(item, LastAppliedVersion));
}
