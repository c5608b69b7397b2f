namespace EventLedger.Domain.Invoices;

/// <summary>Why a command was rejected. The kind maps to a status code at the edge.</summary>
public enum RejectionKind
{
    /// <summary>The command's input is invalid (400).</summary>
    Invalid,
    /// <summary>The command names something that does not exist (404).</summary>
    NotFound,
    /// <summary>The command conflicts with the invoice's state (409).</summary>
    Conflict,
}

/// <summary>A command rejected by a domain rule. Nothing is written.</summary>
public sealed class DomainRuleViolation(RejectionKind kind, string code, string message, string? field = null)
    : Exception(message)
{
    public RejectionKind Kind { get; } = kind;
    /// <summary>Stable machine-readable code, e.g. <c>transaction-exists</c>.</summary>
    public string Code { get; } = code;
    /// <summary>The input field at fault, where there is one.</summary>
    public string? Field { get; } = field;
}
