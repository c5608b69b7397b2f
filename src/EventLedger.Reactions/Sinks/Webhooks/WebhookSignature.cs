using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace EventLedger.Reactions.Sinks.Webhooks;

/// <summary>
/// Standard Webhooks signatures: <c>webhook-signature: v1,&lt;base64 HMAC-SHA256 of "{webhook-id}.{webhook-timestamp}.{body}"&gt;</c>,
/// keyed with the bytes of a <c>whsec_&lt;base64&gt;</c> secret, one space-separated signature per secret.
/// Receivers use <see cref="Verify"/> (or any Standard Webhooks library).
/// </summary>
public static class WebhookSignature
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";
    public const string SecretPrefix = "whsec_";

    /// <summary>Receivers should refuse timestamps further than this from their clock (replay protection).</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);

    /// <summary>A new random secret (32 bytes).</summary>
    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public static bool TryParseSecret(string secret, out byte[] key)
    {
        key = [];
        var text = secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : null;
        if (text is null)
        {
            return false;
        }

        try
        {
            key = Convert.FromBase64String(text);
            return key.Length >= 24;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>The <c>webhook-signature</c> header value: one <c>v1,…</c> per key, space-separated.</summary>
    public static string Sign(IEnumerable<byte[]> keys, string id, long timestamp, ReadOnlySpan<byte> body)
    {
        var signed = Signed(id, timestamp, body);
        return string.Join(' ', keys.Select(key => "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed))));
    }

    /// <summary>
    /// True when the timestamp is within <paramref name="tolerance"/> of <paramref name="now"/> and one of the header's
    /// <c>v1</c> signatures matches one of the <paramref name="secrets"/> (compared in constant time).
    /// </summary>
    public static bool Verify(IEnumerable<string> secrets, string? id, string? timestamp, string? signatureHeader, ReadOnlySpan<byte> body,
        DateTimeOffset now, TimeSpan? tolerance = null)
    {
        if (string.IsNullOrEmpty(id) || string.IsNullOrEmpty(signatureHeader)
            || !long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || (now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > (tolerance ?? DefaultTolerance))
        {
            return false;
        }

        var signed = Signed(id, seconds, body);
        var offered = signatureHeader.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Where(s => s.StartsWith("v1,", StringComparison.Ordinal))
            .Select(s => TryBase64(s[3..]))
            .OfType<byte[]>()
            .ToList();
        foreach (var secret in secrets)
        {
            if (!TryParseSecret(secret, out var key))
            {
                continue;
            }

            var expected = HMACSHA256.HashData(key, signed);
            if (offered.Any(o => CryptographicOperations.FixedTimeEquals(o, expected)))
            {
                return true;
            }
        }

        return false;
    }

    private static byte[] Signed(string id, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes($"{id}.{timestamp.ToString(CultureInfo.InvariantCulture)}.");
        var signed = new byte[prefix.Length + body.Length];
        prefix.CopyTo(signed, 0);
        body.CopyTo(signed.AsSpan(prefix.Length));
        return signed;
    }

    private static byte[]? TryBase64(string text)
    {
        try
        {
            return Convert.FromBase64String(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
