using EventLedger.Projections.DynamoDb;

namespace EventLedger.Projections.CountryCounts;

/// <summary>
/// One row of the <c>country-counts</c> read model (table key: <c>invoiceNumber</c> + <c>country</c>): the design pattern's
/// InvoiceAction table. Served by <c>GET /invoices/{invoiceNumber}/countries</c>.
/// </summary>
/// <param name="InvoiceNumber">The invoice (the event stream id).</param>
/// <param name="Country">The country of the invoice's transactions or verifier assignment.</param>
/// <param name="Verifier">The country's current verifier (owner), or null when none is assigned.</param>
/// <param name="TransactionCount">Live (not voided) transactions of this country.</param>
/// <param name="VerifiedTransactionCount">Live transactions of this country that were recorded while the country had a
/// verifier (the seed's conditional count). Assigning or removing a verifier later does not change it; voiding such a
/// transaction decrements it.</param>
/// <param name="LastAppliedVersion">The highest invoice version applied to this row. Only events about this country touch it,
/// so it may be lower than the invoice's version.</param>
public sealed record CountryCountsRow(
    [property: PartitionKey] string InvoiceNumber,
    [property: SortKey] string Country,
    string? Verifier,
    long TransactionCount,
    long VerifiedTransactionCount,
    long LastAppliedVersion);
