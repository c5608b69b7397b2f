using EventLedger.Api.Security;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.OpenApi;

namespace EventLedger.Api.OpenApi;

/// <summary>
/// Fills in, for every operation, what the endpoints do not say one by one: the security requirement (the scope the
/// endpoint declares) with its 401 and 403, the responses the request pipeline can give any request (429; 400, 413
/// and 415 from the request guards), the command headers, descriptions of the usual parameters, and problem details as
/// the body of every error response.
/// </summary>
internal sealed class OperationDescriptions : IOpenApiOperationTransformer
{
    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        DescribeSecurity(operation, metadata, context.Document);
        if (metadata.OfType<CommandHeadersMetadata>().Any())
        {
            CommandHeadersMetadata.Describe(operation);
        }

        foreach (var parameter in operation.Parameters ?? [])
        {
            if (parameter is OpenApiParameter { Description: null or "" } p && p.Name is { } name)
            {
                p.Description = ParameterDescriptions.For(name, p.In);
            }
        }

        DescribeCommonResponses(operation);
        return Task.CompletedTask;
    }

    /// <summary>
    /// The scope the endpoint requires (its authorization policies that are <see cref="LedgerScopes"/>) as the
    /// operation's bearer requirement, with 401 and 403; nothing for an explicitly anonymous endpoint.
    /// </summary>
    public static void DescribeSecurity(OpenApiOperation operation, IEnumerable<object> metadata, OpenApiDocument? document)
    {
        var items = metadata.ToList();
        if (items.OfType<IAllowAnonymous>().Any())
        {
            operation.Description = Append(operation.Description, "No token needed.");
            return;
        }

        var scopes = items.OfType<IAuthorizeData>().Select(a => a.Policy).OfType<string>().Where(LedgerScopes.IsKnown).Distinct().ToList();
        operation.Security ??= [];
        // OpenAPI 3.1 lets a requirement on a non-OAuth scheme list the roles it needs: here, the scope.
        operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(DocumentDescription.BearerScheme, document)] = scopes });
        operation.Description = Append(operation.Description, scopes.Count == 0
            ? "Needs a bearer token."
            : $"Needs a bearer token with the scope {string.Join(" and ", scopes.Select(s => $"`{s}`"))}.");
        operation.Responses ??= [];
        AddProblem(operation, StatusCodes.Status401Unauthorized, "No token, or a token that is malformed, expired, wrongly signed, or from another issuer or audience (with `WWW-Authenticate: Bearer`).");
        AddProblem(operation, StatusCodes.Status403Forbidden, "The token lacks the scope (code `insufficient-scope`).");
    }

    /// <summary>What the request pipeline may answer to any request, and problem details as every error's body.</summary>
    public static void DescribeCommonResponses(OpenApiOperation operation)
    {
        operation.Responses ??= [];
        if (operation.Parameters is { Count: > 0 })
        {
            AddProblem(operation, StatusCodes.Status400BadRequest, "A value is invalid; `errors` names each one.");
        }

        if (operation.RequestBody is not null)
        {
            AddProblem(operation, StatusCodes.Status413PayloadTooLarge, "The body is larger than the server accepts (`Limits__MaxRequestBodyBytes`, 1 MiB by default).");
            AddProblem(operation, StatusCodes.Status415UnsupportedMediaType, "The body is not `application/json`.");
        }

        AddProblem(operation, StatusCodes.Status429TooManyRequests, "Over this principal's rate limit; `Retry-After` says when to try again.");

        foreach (var (code, response) in operation.Responses)
        {
            if (int.TryParse(code, out var status) && status >= 400 && response is OpenApiResponse concrete)
            {
                concrete.Content = ProblemContent(status);
                if (string.IsNullOrEmpty(concrete.Description) || concrete.Description == ReasonPhrases.GetReasonPhrase(status))
                {
                    concrete.Description = DefaultDescription(status);
                }
            }
        }
    }

    private static void AddProblem(OpenApiOperation operation, int status, string description)
    {
        var code = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses!.TryGetValue(code, out var existing))
        {
            if (existing is OpenApiResponse concrete && (string.IsNullOrEmpty(concrete.Description) || concrete.Description == ReasonPhrases.GetReasonPhrase(status)))
            {
                concrete.Description = description;
            }

            return;
        }

        operation.Responses[code] = new OpenApiResponse { Description = description };
    }

    private static Dictionary<string, OpenApiMediaType> ProblemContent(int status) => new()
    {
        ["application/problem+json"] = new OpenApiMediaType
        {
            Schema = new OpenApiSchemaReference(status == StatusCodes.Status400BadRequest ? nameof(HttpValidationProblemDetails) : nameof(ProblemDetails)),
        },
    };

    private static string DefaultDescription(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "A value is invalid; `errors` names each one. Nothing was written.",
        StatusCodes.Status404NotFound => "Not found (see `detail`).",
        StatusCodes.Status409Conflict => "Conflicts with the current state (see `code` and `detail`).",
        StatusCodes.Status503ServiceUnavailable => "Not available from this process now (see `detail`).",
        _ => ReasonPhrases.GetReasonPhrase(status),
    };

    private static string Append(string? description, string sentence) =>
        string.IsNullOrEmpty(description) ? sentence : description.TrimEnd() + "\n\n" + sentence;
}
