using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace EventLedger.Api.Http;

/// <summary>
/// Writes a problem (RFC 7807) whatever the request's <c>Accept</c> says. The framework's writers negotiate on
/// <c>Accept</c>, and a browser's (<c>text/html, …</c>) or an event stream's matches none of them, so
/// <see cref="IProblemDetailsService.WriteAsync"/> would throw and the client get a 500 in place of the refusal. Then the
/// problem is written as <c>application/problem+json</c> anyway, as the endpoints' own problem results do.
/// </summary>
internal static class ProblemResponses
{
    public const string ContentType = "application/problem+json";

    public static async Task WriteAsync(HttpContext context, ProblemDetails problem, Exception? exception = null)
    {
        context.Response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;
        if (context.RequestServices.GetService<IProblemDetailsService>() is { } problems
            && await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception }))
        {
            return;
        }

        await context.Response.WriteAsJsonAsync(problem, problem.GetType(), options: null, contentType: ContentType, context.RequestAborted);
    }
}
