using System.Text;

namespace EventLedger.Projections.Analytics;

/// <summary>
/// The PostgreSQL schema of one analytics version in one environment: the DynamoDB table prefix made a valid identifier,
/// then <c>analytics_v{n}</c> — e.g. prefix <c>eventledger-</c>, version 2 → <c>eventledger_analytics_v2</c>. Environments
/// (and test runs) sharing one PostgreSQL database therefore never share tables.
/// </summary>
public static class AnalyticsSchemaName
{
    public static string For(string tablePrefix, int version)
    {
        var sb = new StringBuilder();
        foreach (var c in tablePrefix.ToLowerInvariant())
        {
            sb.Append(c is >= 'a' and <= 'z' or >= '0' and <= '9' ? c : '_');
        }

        if (sb.Length > 0 && sb[0] is >= '0' and <= '9')
        {
            sb.Insert(0, 'p');
        }

        if (sb.Length > 0 && sb[^1] != '_')
        {
            sb.Append('_');
        }

        var name = sb + AnalyticsStore.SchemaNameFor(version);
        return name.Length <= 63 ? name : throw new ArgumentException($"Table prefix '{tablePrefix}' makes the schema name '{name}' longer than PostgreSQL's 63 characters.", nameof(tablePrefix));
    }
}
