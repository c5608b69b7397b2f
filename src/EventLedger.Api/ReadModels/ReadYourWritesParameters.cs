using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace EventLedger.Api.ReadModels;

/// <summary>
/// The read-your-writes query parameters every query endpoint takes (<c>minVersion</c>, <c>waitMs</c>): one validation
/// and one 503 answer, so every endpoint names them the same way.
/// </summary>
public static class ReadYourWritesParameters
{
    public const int MaxWaitMs = 30_000;

    /// <summary>Adds an error per invalid parameter.</summary>
    public static void Validate(long? minVersion, int? waitMs, IDictionary<string, string[]> errors)
    {
        if (minVersion is < 1) errors["minVersion"] = ["must be 1 or more"];
        if (waitMs is < 0 or > MaxWaitMs) errors["waitMs"] = [$"must be 0-{MaxWaitMs}"];
    }

    /// <summary>How long to wait: <c>waitMs</c>, else the default.</summary>
    public static TimeSpan Wait(int? waitMs) => waitMs is { } ms ? TimeSpan.FromMilliseconds(ms) : ReadYourWrites.DefaultWait;

    /// <summary>503 <c>not-caught-up</c>: the read model has not applied <paramref name="minVersion"/> of the invoice in time.</summary>
    public static ProblemHttpResult NotCaughtUp(string readModel, string invoiceNumber, long minVersion, long? applied) =>
        TypedResults.Problem(
            title: "Read model not caught up",
            detail: $"{readModel} has not applied version {minVersion} of invoice '{invoiceNumber}' in time" +
                (applied is { } a ? $" (it is at {a})" : "") + "; retry shortly.",
            statusCode: StatusCodes.Status503ServiceUnavailable,
            extensions: new Dictionary<string, object?> { ["code"] = "not-caught-up", ["readModel"] = readModel, ["minVersion"] = minVersion });
}
