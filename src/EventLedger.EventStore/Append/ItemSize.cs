using System.Text;
using Amazon.DynamoDBv2.Model;

namespace EventLedger.EventStore.Append;

/// <summary>
/// DynamoDB's item size: attribute names plus values (strings in UTF-8, numbers about 1 byte per 2 digits + 1,
/// plus small overheads for maps and lists), as documented for the 400 KB item limit.
/// </summary>
public static class ItemSize
{
    public const long MaxItemBytes = 400 * 1024;
    public const long MaxTransactionBytes = 4 * 1024 * 1024;
    public const int MaxTransactionItems = 100;

    public static long Of(Dictionary<string, AttributeValue> item) =>
        item.Sum(kv => Encoding.UTF8.GetByteCount(kv.Key) + Of(kv.Value));

    private static long Of(AttributeValue v)
    {
        if (v.S is not null) return Encoding.UTF8.GetByteCount(v.S);
        if (v.N is not null) return (v.N.Length + 1) / 2 + 1;
        if (v.B is not null) return v.B.Length;
        if (v.M is { Count: > 0 } || v.IsMSet) return 3 + (v.M ?? []).Sum(kv => Encoding.UTF8.GetByteCount(kv.Key) + Of(kv.Value) + 1);
        if (v.L is { Count: > 0 } || v.IsLSet) return 3 + (v.L ?? []).Sum(x => Of(x) + 1);
        if (v.SS is { Count: > 0 }) return v.SS.Sum(Encoding.UTF8.GetByteCount);
        if (v.NS is { Count: > 0 }) return v.NS.Sum(n => (n.Length + 1) / 2 + 1);
        return 1; // BOOL, NULL
    }
}
