using System.Globalization;
using EventLedger.Domain.Invoices;
using EventLedger.EventStore.Events;

namespace EventLedger.Projections.Reactions.ZeroAmountAlerts;

/// <summary>
/// <c>zero-amount-alerts</c>: "if there is a zero value inserted or updated in the invoice amount attribute, the concerned
/// team must be immediately notified". Takes <c>TransactionRecorded</c> with an amount of 0 and <c>TransactionAdjusted</c>
/// to a new amount of 0.
/// </summary>
public static class ZeroAmountAlertsReaction
{
    public const string Name = "zero-amount-alerts";
    public const string Type = "eventledger.alert.zero-amount.v1";

    public static readonly ReactionDeclaration Declaration = new(
        Name,
        "Alert when a transaction is recorded with, or adjusted to, an amount of zero",
        "TransactionRecorded with amount = 0, or TransactionAdjusted with newAmount = 0",
        Takes,
        Make);

    public static bool Takes(StoredEvent e) => e.Data switch
    {
        TransactionRecorded r => r.Amount == 0m,
        TransactionAdjusted a => a.NewAmount == 0m,
        _ => false,
    };

    public static ReactionMessage Make(StoredEvent e) => ReactionMessage.From(e, Type, e.Data switch
    {
        TransactionRecorded r => Alert(e, r.TransactionId, null, r.Currency, r.Country, r.InvoiceDate),
        TransactionAdjusted a => Alert(e, a.TransactionId, a.PreviousAmount, a.Currency, a.Country, a.InvoiceDate),
        _ => throw new ArgumentException($"{Name} does not take {e.EventType}.", nameof(e)),
    });

    /// <summary>The seed's sentence, with the time as yyMMddHHmmss in UTC.</summary>
    public static string Sentence(string invoiceNumber, DateTimeOffset recordedAt) =>
        $"Take immediate action for Invoice number {invoiceNumber} as zero value is reported in the InvoiceTransactions table as on " +
        recordedAt.UtcDateTime.ToString("yyMMddHHmmss", CultureInfo.InvariantCulture);

    private static ZeroAmountAlert Alert(StoredEvent e, string transactionId, decimal? previous, string currency, string country, DateOnly invoiceDate) =>
        new(e.StreamId, transactionId, 0m, previous, currency, country, invoiceDate, e.RecordedAt, e.EventType, Sentence(e.StreamId, e.RecordedAt));
}
