using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace EventLedger.Api.OpenApi;

/// <summary>
/// The HTTP contract as an OpenAPI 3.1 document at <see cref="DocumentPath"/> and a reference page (Scalar) at
/// <see cref="ReferencePath"/>. Both are anonymous: they describe the API, they do not act on it, and a client has to be
/// able to read the contract before it has a token. Every operation's security requirement is the scope its endpoint
/// declares, read from the endpoint itself; a test fails when a mapped route is missing or under-described.
/// </summary>
public static class ApiDocumentation
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/openapi/v1.json";
    public const string ReferencePath = "/scalar";

    public static IServiceCollection AddEventLedgerOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(DocumentName, o =>
        {
            o.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            o.AddOperationTransformer<OperationDescriptions>();
            o.AddSchemaTransformer<SchemaConventions>();
            o.AddDocumentTransformer<DocumentDescription>();
        });

    /// <summary>Maps the document and the reference page, both explicitly anonymous.</summary>
    public static IEndpointRouteBuilder MapEventLedgerApiDocs(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapScalarApiReference(ReferencePath, o => o
                .WithTitle("EventLedger API")
                // The page is served offline: the bundled script, no web fonts.
                .DisableDefaultFonts()
                .AddPreferredSecuritySchemes(DocumentDescription.BearerScheme))
            .AllowAnonymous();
        return app;
    }
}
