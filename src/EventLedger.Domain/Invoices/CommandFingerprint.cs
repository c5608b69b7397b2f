using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace EventLedger.Domain.Invoices;

/// <summary>
/// The content hash stored with a command id: a retry with the same <c>Idempotency-Key</c> and the same content replays
/// the first result, the same key with other content is refused (422). Stored fingerprints live for good, so the bytes
/// hashed for a given command must never change: they are serialized with options of their own, frozen here and pinned
/// by <c>CommandFingerprintTests</c>, never with the event payload's options. The content is the command's use-case
/// fields only; the invoice number is a prefix, and how the command was sent (<see cref="InvoiceCommand.Options"/>) is
/// not part of it, so a retry with another correlation id or actor still replays.
/// </summary>
public static class CommandFingerprint
{
    /// <summary>
    /// Web defaults (camelCase names, no indentation), nulls omitted, the default (escaping) encoder. This is what the
    /// event payload's options were when fingerprints were first stored; written out so that nothing else moves them.
    /// </summary>
    private static readonly JsonSerializerOptions Json = Frozen(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.Default,
        WriteIndented = false,
    });

    /// <summary>The fingerprint: upper-case hex SHA-256 of <see cref="Preimage"/>.</summary>
    public static string Of(InvoiceCommand command) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(Preimage(command))));

    /// <summary>
    /// The text hashed: <c>{invoice}|{scheme name}|{content JSON}</c>. The scheme names are the command types' names
    /// when fingerprints were first stored (<c>RecordTransactionCommand</c> …), kept so that a class rename never changes
    /// a fingerprint; the content's fields keep their order.
    /// </summary>
    public static string Preimage(InvoiceCommand command)
    {
        var (scheme, content) = command switch
        {
            RecordTransaction c => ("RecordTransactionCommand",
                (object)new { c.TransactionId, c.Amount, c.Currency, c.Country, c.InvoiceDate, c.Document }),
            AdjustTransaction c => ("AdjustTransactionCommand", new { c.TransactionId, c.Amount, c.Reason }),
            VoidTransaction c => ("VoidTransactionCommand", new { c.TransactionId, c.Reason }),
            AssignVerifier c => ("AssignVerifierCommand", new { c.Country, c.Verifier }),
            UnassignVerifier c => ("UnassignVerifierCommand", new { c.Country }),
            _ => throw new ArgumentOutOfRangeException(nameof(command), command.GetType().Name, "Unknown command"),
        };
        return $"{command.InvoiceNumber}|{scheme}|{JsonSerializer.Serialize(content, content.GetType(), Json)}";
    }

    private static JsonSerializerOptions Frozen(JsonSerializerOptions options)
    {
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
