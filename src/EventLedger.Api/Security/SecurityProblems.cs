using EventLedger.Api.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace EventLedger.Api.Security;

/// <summary>Writes the security layer's refusals as RFC 7807 problem details, with a stable <c>code</c>.</summary>
internal static class SecurityProblems
{
    public static Task WriteAsync(HttpContext context, int status, string title, string detail, string code) =>
        WriteAsync(context, new ProblemDetails { Status = status, Title = title, Detail = detail, Extensions = { ["code"] = code } });

    /// <summary>As problem JSON whatever the client accepts: a browser asking for HTML is refused with a 401, not a 500.</summary>
    public static Task WriteAsync(HttpContext context, ProblemDetails problem) => ProblemResponses.WriteAsync(context, problem);
}
