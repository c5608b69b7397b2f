namespace EventLedger.Application.Invoices;

/// <summary>The caller's expected version (If-Match) is not the invoice's version. Nothing was written.</summary>
public sealed class ExpectedVersionMismatchException(string invoiceNumber, long expected, long? actual)
    : Exception(actual is null
        ? $"Invoice '{invoiceNumber}' moved past version {expected} while the command was decided; nothing was written."
        : $"Invoice '{invoiceNumber}' is at version {actual}, not the expected {expected}; nothing was written.")
{
    public string InvoiceNumber { get; } = invoiceNumber;
    public long Expected { get; } = expected;
    public long? Actual { get; } = actual;
}
