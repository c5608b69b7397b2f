using System.Text.RegularExpressions;

namespace EventLedger.Domain.Invoices;

/// <summary>
/// The input rules of every command, checked once, by the validation behavior, before a command is decided; the read
/// endpoints use <see cref="IsValidInvoiceNumber"/>. Each failure names the field at fault.
/// </summary>
public static partial class InvoiceRules
{
    public const int MaxAmountScale = 4;
    /// <summary>Amounts are bounded so that sums of many of them stay exact in decimal and in PostgreSQL numeric(28,4).</summary>
    public const decimal MaxAbsoluteAmount = 1_000_000_000_000m;

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$")]
    private static partial Regex InvoiceNumberPattern();

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_.:#-]{0,127}$")]
    private static partial Regex TransactionIdPattern();

    [GeneratedRegex("^[A-Z]{3}$")]
    private static partial Regex CurrencyPattern();

    [GeneratedRegex(@"^[\p{L}][\p{L} .'-]{0,63}$")]
    private static partial Regex CountryPattern();

    /// <summary>Returns every field error of a command (empty when valid).</summary>
    public static IReadOnlyList<FieldError> Check(InvoiceCommand command)
    {
        var errors = new List<FieldError>();
        if (!IsValidInvoiceNumber(command.InvoiceNumber))
        {
            errors.Add(new("invoiceNumber", "must be 1-64 characters: letters, digits, '_', '.', ':' or '-'"));
        }

        switch (command)
        {
            case RecordTransaction c:
                CheckTransactionId(c.TransactionId, errors);
                CheckAmount(c.Amount, "amount", errors);
                if (string.IsNullOrEmpty(c.Currency) || !CurrencyPattern().IsMatch(c.Currency))
                {
                    errors.Add(new("currency", "must be an ISO 4217 code of three upper-case letters, e.g. USD"));
                }

                CheckCountry(c.Country, errors);
                if (c.Document is { } doc && doc.ValueKind != System.Text.Json.JsonValueKind.Object)
                {
                    errors.Add(new("document", "must be a JSON object when given"));
                }

                break;
            case AdjustTransaction c:
                CheckTransactionId(c.TransactionId, errors);
                CheckAmount(c.Amount, "amount", errors);
                CheckReason(c.Reason, errors);
                break;
            case VoidTransaction c:
                CheckTransactionId(c.TransactionId, errors);
                CheckReason(c.Reason, errors);
                break;
            case AssignVerifier c:
                CheckCountry(c.Country, errors);
                if (string.IsNullOrWhiteSpace(c.Verifier) || c.Verifier.Length > 254)
                {
                    errors.Add(new("verifier", "must be a non-empty identity of at most 254 characters"));
                }

                break;
            case UnassignVerifier c:
                CheckCountry(c.Country, errors);
                break;
        }

        if (command.Options.ExpectedVersion is < 0)
        {
            errors.Add(new("If-Match", "must be a version number, 0 or more"));
        }

        if (command.Options.IdempotencyKey is { Length: 0 or > 200 })
        {
            errors.Add(new("Idempotency-Key", "must be 1-200 characters"));
        }

        return errors;
    }

    public static bool IsValidInvoiceNumber(string? value) => !string.IsNullOrEmpty(value) && InvoiceNumberPattern().IsMatch(value);

    private static void CheckTransactionId(string id, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(id) || !TransactionIdPattern().IsMatch(id))
        {
            errors.Add(new("transactionId", "must be 1-128 characters: letters, digits, '_', '.', ':', '#' or '-'"));
        }
    }

    private static void CheckAmount(decimal amount, string field, List<FieldError> errors)
    {
        if (amount.Scale > MaxAmountScale && decimal.Round(amount, MaxAmountScale) != amount)
        {
            errors.Add(new(field, $"must have at most {MaxAmountScale} decimal places"));
        }
        else if (Math.Abs(amount) >= MaxAbsoluteAmount)
        {
            errors.Add(new(field, $"must be less than {MaxAbsoluteAmount:0} in absolute value"));
        }
    }

    private static void CheckCountry(string country, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(country) || !CountryPattern().IsMatch(country))
        {
            errors.Add(new("country", "must be 1-64 characters, starting with a letter (letters, spaces, '.', ''' or '-')"));
        }
    }

    private static void CheckReason(string? reason, List<FieldError> errors)
    {
        if (reason is { Length: > 500 })
        {
            errors.Add(new("reason", "must be at most 500 characters"));
        }
    }
}

/// <summary>One invalid input field and why.</summary>
public sealed record FieldError(string Field, string Message);
