using EventLedger.Domain.Invoices;
using EventLedger.EventStore.Events;
using EventLedger.Projections.DynamoDb;

namespace EventLedger.Projections.CountryCounts;

/// <summary>
/// country-counts: one row per invoice and country (the design pattern's <c>InvoiceAction</c> table). The row's verifier
/// is the last one observed: by a verifier change, or by a recorded transaction, which carries the verifier its country
/// had then. <c>verifiedTransactionCount</c> counts the live transactions recorded while a verifier was assigned (the
/// seed's conditional rule). Adjustments change only the row's version.
/// </summary>
public sealed class CountryCountsProjection : DynamoDbReadModel<CountryCountsRow>
{
    public const string ProjectionName = "country-counts";
    public const int CurrentSchemaVersion = 1;

    public CountryCountsProjection() : base(ProjectionName, CurrentSchemaVersion)
    {
        On<TransactionRecorded>((e, _) => e.Country,
            (row, e, at) => Count(row, e.Country, at, 1, e.Verifier is null ? 0 : 1) with { Verifier = e.Verifier });
        On<TransactionAdjusted>((e, _) => e.Country, (row, e, at) => Count(row, e.Country, at, 0, 0));
        On<TransactionVoided>((e, _) => e.Country, (row, e, at) => Count(row, e.Country, at, -1, e.VerifiedBy is null ? 0 : -1));
        On<VerifierAssigned>((e, _) => e.Country, (row, e, at) => Count(row, e.Country, at, 0, 0) with { Verifier = e.Verifier });
        On<VerifierUnassigned>((e, _) => e.Country, (row, e, at) => Count(row, e.Country, at, 0, 0) with { Verifier = null });
    }

    private static CountryCountsRow Count(CountryCountsRow? row, string country, StoredEvent at, long transactions, long verified)
    {
        var current = row ?? new CountryCountsRow(at.StreamId, country, null, 0, 0, 0);
        return current with
        {
            TransactionCount = current.TransactionCount + transactions,
            VerifiedTransactionCount = current.VerifiedTransactionCount + verified,
        };
    }
}
