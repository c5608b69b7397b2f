namespace EventLedger.Projections.Common;

/// <summary>
/// Where one version of a read model lives: <c>{prefix}{name}-v{version}</c>, e.g. <c>eventledger-invoice-totals-v1</c>.
/// A rebuild builds version n+1 beside the live version n and readers switch when it has caught up, so nothing
/// here is static: every projection and query is constructed with the table it targets.
/// </summary>
/// <param name="Prefix">The environment's table prefix (may be empty), e.g. <c>eventledger-</c>.</param>
/// <param name="Name">The read model's name, e.g. <c>invoice-totals</c>.</param>
/// <param name="Version">The read model's version (1, 2, …): a new one per rebuild, independent of the code's schema version.</param>
public sealed record ReadModelTable(string Prefix, string Name, int Version)
{
    public string Prefix { get; } = Prefix ?? throw new ArgumentNullException(nameof(Prefix));

    public string Name { get; } = !string.IsNullOrWhiteSpace(Name)
        ? Name
        : throw new ArgumentException("A read model needs a name.", nameof(Name));

    public int Version { get; } = Version >= 1
        ? Version
        : throw new ArgumentOutOfRangeException(nameof(Version), Version, "Read model versions start at 1.");

    /// <summary>The physical table name.</summary>
    public string TableName => $"{Prefix}{Name}-v{Version}";

    public override string ToString() => TableName;
}
