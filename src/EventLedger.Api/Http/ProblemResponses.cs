using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace EventLedger.Api.Http;

/// <summary>
/// Writes a problem (RFC 7807) from middleware whatever the request's <c>Accept</c> says. The framework's problem writers
/// negotiate on <c>Accept</c>, and a browser's (<c>text/html</c>) or an event stream's matches none of them, so
/// <see cref="IProblemDetailsService.WriteAsync"/> throws and the client gets a 500 in place of the refusal. A problem
/// result tries the writers and otherwise writes <c>application/problem+json</c> itself, as the endpoints' own problems do.
/// </summary>
internal static class ProblemResponses
{
    public static Task WriteAsync(HttpContext context, ProblemDetails problem) => TypedResults.Problem(problem).ExecuteAsync(context);
}
