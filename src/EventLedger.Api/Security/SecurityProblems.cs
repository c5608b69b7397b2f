using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace EventLedger.Api.Security;

/// <summary>Writes the security layer's refusals as RFC 7807 problem details, with a stable <c>code</c>.</summary>
internal static class SecurityProblems
{
    public static Task WriteAsync(HttpContext context, int status, string title, string detail, string code) =>
        WriteAsync(context, new ProblemDetails { Status = status, Title = title, Detail = detail, Extensions = { ["code"] = code } });

    public static async Task WriteAsync(HttpContext context, ProblemDetails problem)
    {
        context.Response.StatusCode = problem.Status!.Value;
        await context.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = problem,
        });
    }
}
