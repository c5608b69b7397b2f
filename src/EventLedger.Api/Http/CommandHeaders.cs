using System.Globalization;
using EventLedger.Api.Security;
using EventLedger.Domain.Invoices;
using Microsoft.AspNetCore.Http;

namespace EventLedger.Api.Http;

/// <summary>
/// Copies <c>Idempotency-Key</c>, <c>If-Match</c> (expected version) and <c>X-Correlation-Id</c> into <see cref="CommandOptions"/>,
/// with the authenticated principal as the actor (never a header the caller chose).
/// </summary>
public static class CommandHeaders
{
    public static CommandOptions Read(HttpRequest request, List<FieldError> errors)
    {
        var key = request.Headers["Idempotency-Key"].ToString();
        long? expected = null;
        var ifMatch = request.Headers.IfMatch.ToString();
        if (ifMatch.Length > 0)
        {
            var text = ifMatch.Trim();
            if (text.StartsWith("W/", StringComparison.Ordinal))
            {
                text = text[2..];
            }

            text = text.Trim('"');
            if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
            {
                expected = version;
            }
            else
            {
                errors.Add(new("If-Match", $"must be the invoice version as a number (e.g. \"3\"), not {ifMatch}"));
            }
        }

        var correlation = request.Headers["X-Correlation-Id"].ToString();
        return new CommandOptions(
            key.Length > 0 ? key : null,
            expected,
            LedgerPrincipal.ActorOf(request.HttpContext.User),
            correlation.Length > 0 ? correlation : null);
    }
}
