using Microsoft.OpenApi;

namespace EventLedger.Api.OpenApi;

/// <summary>
/// Descriptions of the parameters many endpoints share, by name (and where they are), so that each is written once. An
/// endpoint can still describe its own (<c>[Description]</c> on the handler's parameter), which wins.
/// </summary>
internal static class ParameterDescriptions
{
    private static readonly Dictionary<(string Name, ParameterLocation? In), string> Known = new()
    {
        [("invoiceNumber", ParameterLocation.Path)] = "The invoice: 1-64 characters, letters, digits, '_', '.', ':' or '-'.",
        [("invoiceNumber", ParameterLocation.Query)] = "The invoice a command wrote to; required with `minVersion` (stream versions are per invoice).",
        [("transactionId", ParameterLocation.Path)] = "The transaction's id, as recorded.",
        [("country", ParameterLocation.Path)] = "The country, as the invoice's transactions name it (e.g. USA).",
        [("minVersion", ParameterLocation.Query)] = "Read your own write: wait (up to `waitMs`) until the read model has applied this version of the invoice " +
            "(the `version` a command returned); 503 with code `not-caught-up` if it has not. 1 or more.",
        [("waitMs", ParameterLocation.Query)] = "How long `minVersion` may wait, 0-30000 ms (default 5000).",
        [("prefix", ParameterLocation.Query)] = "Only transactions whose id begins with this.",
        [("includeVoided", ParameterLocation.Query)] = "Include voided transactions (default false).",
        [("fromVersion", ParameterLocation.Query)] = "The first version to return (default 1).",
        [("reason", ParameterLocation.Query)] = "Why, for the audit trail; at most 500 characters.",
        [("from", ParameterLocation.Query)] = "The first invoice date, yyyy-MM-dd, inclusive; omit it to start at the earliest.",
        [("to", ParameterLocation.Query)] = "The last invoice date, yyyy-MM-dd, inclusive; omit it to end at the latest.",
        [("name", ParameterLocation.Path)] = "A read model's name, as `GET /projections` lists it (e.g. invoice-totals).",
        [("source", ParameterLocation.Query)] = "Where a rebuild replays from: `event-store` (default) or `archive` (the archive, then the event store after its position).",
        [("restart", ParameterLocation.Query)] = "Drop a cancelled or failed half-built version and start over, instead of resuming it.",
        [("id", ParameterLocation.Path)] = "A dead letter's id, `subscription:shardId:sequenceNumber`, as `GET /dead-letters` lists it.",
        [("subscription", ParameterLocation.Query)] = "Only the dead letters of this subscription (one read-model version, as `GET /projections` names it).",
        [("pageSize", ParameterLocation.Query)] = "Items per page, 1-500 (default 50).",
        [("pageToken", ParameterLocation.Query)] = "The `nextPageToken` of the previous page.",
    };

    public static string? For(string name, ParameterLocation? location) => Known.GetValueOrDefault((name, location));
}
