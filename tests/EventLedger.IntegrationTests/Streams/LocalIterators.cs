using System.Globalization;
using System.Text;

namespace EventLedger.IntegrationTests.Streams;

/// <summary>
/// DynamoDB Local's shard iterators are "streamArn|001|base64(shardId|sequence|issuedAtEpochMs)" and expire 15 minutes after
/// issue. Rewriting the issue time makes a real iterator stale, so Local itself answers ExpiredIteratorException.
/// </summary>
internal static class LocalIterators
{
    public static string MakeStale(string iterator)
    {
        var parts = iterator.Split('|');
        if (parts.Length != 3)
        {
            throw new FormatException($"Not a DynamoDB Local iterator: {iterator}");
        }

        var inner = Encoding.UTF8.GetString(Convert.FromBase64String(parts[2])).Split('|');
        var stale = DateTimeOffset.UtcNow.AddMinutes(-20).ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture).PadLeft(inner[2].Length, '0');
        var rewritten = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{inner[0]}|{inner[1]}|{stale}"));
        return $"{parts[0]}|{parts[1]}|{rewritten}";
    }
}
