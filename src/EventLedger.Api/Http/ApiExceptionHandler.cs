using EventLedger.Application.Behaviors;
using EventLedger.Application.Invoices;
using EventLedger.Domain.Invoices;
using EventLedger.EventStore.Append;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace EventLedger.Api.Http;

/// <summary>Maps the domain's and the store's exceptions to RFC 7807 problem details with the right status code.</summary>
public sealed class ApiExceptionHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = ToProblem(exception);
        if (problem is null)
        {
            return false;
        }

        await ProblemResponses.WriteAsync(httpContext, problem);
        return true;
    }

    public static ProblemDetails? ToProblem(Exception exception) => exception switch
    {
        CommandValidationException e => Validation(e.Errors),
        DomainRuleViolation { Kind: RejectionKind.Invalid } e => Validation([new FieldError(e.Field ?? "body", e.Message)]),
        DomainRuleViolation { Kind: RejectionKind.NotFound } e => Problem(StatusCodes.Status404NotFound, "Not found", e.Message, e.Code),
        DomainRuleViolation e => Problem(StatusCodes.Status409Conflict, "Conflict", e.Message, e.Code),
        ExpectedVersionMismatchException e => Problem(StatusCodes.Status412PreconditionFailed, "Version mismatch", e.Message, "version-mismatch"),
        ConcurrencyConflictException e => Problem(StatusCodes.Status409Conflict, "Concurrent update", e.Message, "concurrency-conflict"),
        CommandIdReusedException e => Problem(StatusCodes.Status422UnprocessableEntity, "Idempotency key reused", e.Message, "idempotency-key-reused"),
        AppendTooLargeException e => Problem(StatusCodes.Status413PayloadTooLarge, "Too large", e.Message, "too-large"),
        // The framework's message names parameter types and limits: say what happened in our own words.
        BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => Problem(StatusCodes.Status413PayloadTooLarge, "Request body too large", "The request body is larger than the server accepts. Nothing was written.", "body-too-large"),
        BadHttpRequestException e => Problem(e.StatusCode, "Bad request", "The request could not be read. Nothing was written.", "bad-request"),
        _ => null,
    };

    public static HttpValidationProblemDetails Validation(IEnumerable<FieldError> errors) =>
        new(errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.Message).ToArray()))
        {
            Status = StatusCodes.Status400BadRequest,
            Title = "The request is invalid",
            Detail = "Nothing was written. See 'errors' for each field at fault.",
        };

    private static ProblemDetails Problem(int status, string title, string detail, string code) => new()
    {
        Status = status,
        Title = title,
        Detail = detail,
        Extensions = { ["code"] = code },
    };
}
