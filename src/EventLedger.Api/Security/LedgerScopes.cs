namespace EventLedger.Api.Security;

/// <summary>
/// The scopes a caller's token carries (claim <c>scope</c> or <c>scp</c>, space-separated). Each is also the name of the
/// authorization policy that requires it.
/// </summary>
public static class LedgerScopes
{
    /// <summary>The five commands: record, adjust and void a transaction; assign and unassign a verifier.</summary>
    public const string Write = "ledger.write";

    /// <summary>Every query: the read models, an invoice's raw events, analytics (and the search and archive queries).</summary>
    public const string Read = "ledger.read";

    /// <summary>Operator endpoints: projection status, rebuilds, dead letters and <c>/metrics</c>.</summary>
    public const string Operate = "ledger.operate";

    public static IReadOnlyList<string> All { get; } = [Write, Read, Operate];

    public static bool IsKnown(string scope) => All.Contains(scope, StringComparer.Ordinal);
}
