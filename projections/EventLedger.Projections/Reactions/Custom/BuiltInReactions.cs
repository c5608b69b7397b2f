using EventLedger.Projections.Reactions.PaymentRequests;
using EventLedger.Projections.Reactions.ZeroAmountAlerts;

namespace EventLedger.Projections.Reactions;

/// <summary>The reactions EventLedger ships, with the configuration section that gives each its sink (<c>Reactions:{Section}</c>).</summary>
public static class BuiltInReactions
{
    public static readonly IReadOnlyList<(string Section, ReactionDeclaration Declaration)> All =
    [
        ("ZeroAmountAlerts", ZeroAmountAlertsReaction.Declaration),
        ("PaymentRequests", PaymentRequestsReaction.Declaration),
    ];
}
