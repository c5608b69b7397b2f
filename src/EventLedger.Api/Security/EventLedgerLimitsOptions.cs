namespace EventLedger.Api.Security;

/// <summary>
/// Abuse limits (configuration section <c>Limits</c>, e.g. <c>Limits__PermitsPerSecond</c>). The defaults sit far above
/// what the benchmarks send (up to ~250 commands/s from one principal), so they only stop runaway or hostile callers.
/// </summary>
public sealed record EventLedgerLimitsOptions
{
    public const string SectionName = "Limits";

    /// <summary>Requests per second each principal (or, unauthenticated, each client address) may sustain.</summary>
    public int PermitsPerSecond { get; init; } = 2_000;

    /// <summary>Requests a principal may send at once above the sustained rate (the token bucket's size).</summary>
    public int Burst { get; init; } = 4_000;

    /// <summary>Largest request body accepted (413 above). DynamoDB's item limit is 400 KB, so 1 MiB leaves room for JSON overhead.</summary>
    public long MaxRequestBodyBytes { get; init; } = 1_048_576;
}

/// <summary>Cross-origin access (configuration section <c>Cors</c>): off unless origins are listed, e.g. <c>Cors__AllowedOrigins__0</c>.</summary>
public sealed record EventLedgerCorsOptions
{
    public const string SectionName = "Cors";

    /// <summary>Origins (scheme, host and port) whose browser pages may call the API; empty = no CORS headers at all.</summary>
    public IReadOnlyList<string> AllowedOrigins { get; init; } = [];
}
