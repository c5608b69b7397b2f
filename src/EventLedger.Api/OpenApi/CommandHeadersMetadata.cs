using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.OpenApi;

namespace EventLedger.Api.OpenApi;

/// <summary>
/// Marks a command endpoint, which reads <c>Idempotency-Key</c>, <c>If-Match</c> and <c>X-Correlation-Id</c>
/// (<see cref="Http.CommandHeaders"/>) and answers with <c>ETag</c> and, on a replay, <c>Idempotent-Replayed</c>.
/// </summary>
public sealed class CommandHeadersMetadata
{
    public static CommandHeadersMetadata Instance { get; } = new();

    internal static void Describe(OpenApiOperation operation)
    {
        operation.Parameters ??= [];
        operation.Parameters.Add(Header("Idempotency-Key",
            "Makes the command idempotent for good: a repeat returns the first response with `Idempotent-Replayed: true`; the same key " +
            "with a different request is a 422. 1-200 characters."));
        operation.Parameters.Add(Header("If-Match",
            "The invoice version the command expects, e.g. `\"3\"` (the ETag of the last response); another version is a 412."));
        operation.Parameters.Add(Header("X-Correlation-Id", "Recorded in the events' metadata (a new one when absent)."));

        foreach (var (code, response) in operation.Responses ?? [])
        {
            if (code.StartsWith('2') && response is OpenApiResponse concrete)
            {
                concrete.Headers ??= new Dictionary<string, IOpenApiHeader>();
                concrete.Headers["ETag"] = new OpenApiHeader
                {
                    Description = "The invoice's version after the command, quoted (pass it back as If-Match).",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                };
                concrete.Headers["Idempotent-Replayed"] = new OpenApiHeader
                {
                    Description = "`true` when this is the stored response to an earlier request with the same Idempotency-Key.",
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                };
            }
        }
    }

    private static OpenApiParameter Header(string name, string description) => new()
    {
        Name = name,
        In = ParameterLocation.Header,
        Description = description,
        Schema = new OpenApiSchema { Type = JsonSchemaType.String },
    };
}

/// <summary>The one-line descriptions endpoints give of themselves.</summary>
public static class EndpointDescriptionExtensions
{
    /// <summary>A tag, a one-line summary and (optionally) more.</summary>
    public static TBuilder Describe<TBuilder>(this TBuilder builder, string tag, string summary, string? description = null)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.WithTags(tag).WithSummary(summary);
        return description is null ? builder : builder.WithDescription(description);
    }

    /// <summary>An error response this endpoint gives, with what it means here; its body is problem details.</summary>
    public static TBuilder Problem<TBuilder>(this TBuilder builder, int statusCode, string description)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new Microsoft.AspNetCore.Mvc.ProducesResponseTypeAttribute(typeof(Microsoft.AspNetCore.Mvc.ProblemDetails), statusCode, "application/problem+json")
        {
            Description = description,
        });

    /// <summary>A command endpoint: the command headers in, ETag and Idempotent-Replayed out.</summary>
    public static TBuilder WithCommandHeaders<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(CommandHeadersMetadata.Instance);
}
