using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace EventLedger.Api.Security;

/// <summary>
/// Checks every request before its endpoint runs, so that a route added later is covered too: the body is within
/// <see cref="EventLedgerLimitsOptions.MaxRequestBodyBytes"/> (413), a body is <c>application/json</c> (415: a
/// <c>text/plain</c> POST is a cross-site "simple request" a browser sends without asking), and no route or query value
/// is longer than DynamoDB allows in a key (400), where it would otherwise fail in the store as a 500.
/// </summary>
internal sealed class RequestGuardMiddleware(RequestDelegate next, EventLedgerLimitsOptions limits)
{
    /// <summary>DynamoDB's sort-key limit in UTF-8 bytes (the partition key allows 2,048): any route or query value may end up in either.</summary>
    public const int MaxKeyBytes = 1_024;

    public async Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = limits.MaxRequestBodyBytes;
        }

        if (request.ContentLength > limits.MaxRequestBodyBytes)
        {
            await SecurityProblems.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "Request body too large",
                $"The request body may be at most {limits.MaxRequestBodyBytes:N0} bytes. Nothing was written.", "body-too-large");
            return;
        }

        if (HasBody(request) && !IsJson(request.ContentType))
        {
            await SecurityProblems.WriteAsync(context, StatusCodes.Status415UnsupportedMediaType, "Unsupported media type",
                $"Request bodies must be application/json, not {(string.IsNullOrEmpty(request.ContentType) ? "unlabelled" : request.ContentType)}. Nothing was written.",
                "unsupported-media-type");
            return;
        }

        if (OverlongValues(request) is { Count: > 0 } errors)
        {
            await SecurityProblems.WriteAsync(context, new HttpValidationProblemDetails(errors)
            {
                Status = StatusCodes.Status400BadRequest,
                Title = "The request is invalid",
                Detail = "Nothing was written. See 'errors' for each value at fault.",
            });
            return;
        }

        await next(context);
    }

    private static bool HasBody(HttpRequest request) =>
        request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0 || !string.IsNullOrEmpty(request.ContentType);

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media) && media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase);

    private static Dictionary<string, string[]> OverlongValues(HttpRequest request)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var (name, value) in request.RouteValues)
        {
            if (value is string text)
            {
                Check(name, text, errors);
            }
        }

        foreach (var (name, values) in request.Query)
        {
            foreach (var text in values)
            {
                Check(name, text, errors);
            }
        }

        return errors;
    }

    private static void Check(string name, string? value, Dictionary<string, string[]> errors)
    {
        if (value is not null && Encoding.UTF8.GetByteCount(value) is var bytes && bytes > MaxKeyBytes)
        {
            errors[name] = [$"must be at most {MaxKeyBytes:N0} bytes in UTF-8 (DynamoDB's key limit), not {bytes:N0}"];
        }
    }
}
