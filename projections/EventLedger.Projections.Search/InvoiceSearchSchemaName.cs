using System.Text;

namespace EventLedger.Projections.Search;

/// <summary>
/// The PostgreSQL schema of one search read-model version in one environment: the DynamoDB table prefix made a valid
/// identifier, then <c>invoice_search_v{n}</c> (prefix <c>eventledger-</c>, version 2 → <c>eventledger_invoice_search_v2</c>),
/// so environments and test runs sharing a database never share documents, and a rebuild builds beside the live version.
/// </summary>
public static class InvoiceSearchSchemaName
{
    public static string For(string tablePrefix, int version)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(version, 1);
        var sb = new StringBuilder();
        foreach (var c in tablePrefix.ToLowerInvariant())
        {
            sb.Append(c is >= 'a' and <= 'z' or >= '0' and <= '9' ? c : '_');
        }

        if (sb.Length > 0 && sb[0] is >= '0' and <= '9') sb.Insert(0, 'p');
        if (sb.Length > 0 && sb[^1] != '_') sb.Append('_');
        var name = $"{sb}invoice_search_v{version}";
        return name.Length <= 63
            ? name
            : throw new ArgumentException($"Table prefix '{tablePrefix}' makes the schema name '{name}' longer than PostgreSQL's 63 characters.", nameof(tablePrefix));
    }
}
