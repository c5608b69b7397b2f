namespace EventLedger.Api.Security;

/// <summary>Where tokens come from.</summary>
public enum EventLedgerSecurityMode
{
    /// <summary>The server's own key under <c>.eventledger/</c> (no <c>Auth__Authority</c>).</summary>
    LocalIssuer,

    /// <summary>An OIDC issuer (<c>Auth__Authority</c>), e.g. an Amazon Cognito user pool.</summary>
    Authority,

    /// <summary><c>serve --insecure</c>: no authentication, every policy admits everyone.</summary>
    Insecure,
}

/// <summary>The security settings the server runs with (for the pipeline, and for tests that read them).</summary>
public sealed record EventLedgerSecurity(EventLedgerSecurityMode Mode, EventLedgerAuthOptions Auth, EventLedgerCorsOptions Cors);
