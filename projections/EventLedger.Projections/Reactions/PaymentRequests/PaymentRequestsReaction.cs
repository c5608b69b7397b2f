using EventLedger.Domain.Invoices;
using EventLedger.EventStore.Events;

namespace EventLedger.Projections.Reactions.PaymentRequests;

/// <summary>
/// <c>payment-requests</c>: "if there is a new entry for an invoice, the data must be sent to a downstream
/// payment-processing system". Each <c>TransactionRecorded</c> makes one payment request.
/// </summary>
public static class PaymentRequestsReaction
{
    public const string Name = "payment-requests";
    public const string Type = "eventledger.payment.requested.v1";

    public static readonly ReactionDeclaration Declaration = new(
        Name,
        "A payment request for each new transaction",
        "TransactionRecorded",
        e => e.Data is TransactionRecorded,
        Make);

    public static ReactionMessage Make(StoredEvent e) => e.Data is TransactionRecorded r
        ? ReactionMessage.From(e, Type, new PaymentRequest(e.StreamId, r.TransactionId, r.Amount, r.Currency, r.Country, r.InvoiceDate, r.Verifier, e.RecordedAt))
        : throw new ArgumentException($"{Name} does not take {e.EventType}.", nameof(e));
}
