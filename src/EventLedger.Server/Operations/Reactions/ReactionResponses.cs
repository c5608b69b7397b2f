using System.ComponentModel;
using EventLedger.Reactions.Redelivery;

namespace EventLedger.Server.Operations.Reactions;

/// <summary>
/// One reaction in <c>GET /reactions</c>. <c>State</c>: <c>off</c> (no sink configured), <c>on</c>, or <c>disabled</c>
/// (the endpoint answered 410; <c>POST /reactions/{name}/enable</c> resumes). Counters are this server's since it started;
/// <c>Subscription</c> is the stream consumer's view when this server hosts it.
/// </summary>
public sealed record ReactionStatusResponse(
    string Name,
    string Description,
    string Filter,
    string State,
    string? StateDetail,
    string? Sink,
    string? Target,
    long Delivered,
    long Retried,
    long Failed,
    DateTimeOffset? LastDeliveredAt,
    string? LastError,
    DateTimeOffset? LastErrorAt,
    ReactionSubscriptionResponse? Subscription,
    RedeliveryResponse? LatestRedelivery);

/// <summary>The reaction's stream subscription on this server: state, lag, events applied (delivered or skipped), dead letters.</summary>
public sealed record ReactionSubscriptionResponse(string Name, string State, long LagMilliseconds, long RecordsProcessed, int DeadLetters);

/// <summary><c>POST /reactions/{name}/redeliveries</c>: <c>from</c> is a time (ISO 8601) or INVOICE/VERSION.</summary>
public sealed record RedeliveryRequest(
    [property: Description("Where to start: a time, ISO 8601 (e.g. 2026-12-01T08:00:00Z or 2026-12-01, UTC unless it has an offset), for every invoice's events recorded since; or INVOICE/VERSION (e.g. 1212121/3) for one invoice from that version on.")]
    string? From);

/// <summary>A redelivery's progress. State: running, completed, failed, cancelled.</summary>
public sealed record RedeliveryResponse(
    string Id, string Reaction, string From, string State, long EventsRead, long EventsTotal, long MessagesDelivered, long MessagesFailed,
    DateTimeOffset StartedAt, DateTimeOffset? FinishedAt, string? Error)
{
    public static RedeliveryResponse Of(RedeliveryRun r) => new(
        r.Id, r.Reaction, r.From.ToString(), r.State, r.EventsRead, r.EventsTotal, r.MessagesDelivered, r.MessagesFailed, r.StartedAt, r.FinishedAt, r.Error);
}
