using EventLedger.Api.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace EventLedger.Api.OpenApi;

/// <summary>
/// What the document says once: the API's title and conventions, the bearer scheme with its scopes, the tags, the
/// problem-details schemas every error response refers to, and <c>/metrics</c> (a Prometheus endpoint, not a route
/// handler, so the API explorer does not see it).
/// </summary>
internal sealed class DocumentDescription : IOpenApiDocumentTransformer
{
    public const string BearerScheme = "bearer";
    public const string MetricsPath = "/metrics";

    /// <summary>What each scope allows (docs/adr/0010-secure-by-default.md).</summary>
    public static IReadOnlyDictionary<string, string> ScopeDescriptions { get; } = new Dictionary<string, string>
    {
        [LedgerScopes.Write] = "the commands: POST, PUT and DELETE under /invoices",
        [LedgerScopes.Read] = "every query: GET under /invoices (read models, events), /analytics and /search",
        [LedgerScopes.Operate] = "operator endpoints: /projections (status, its live stream, rebuilds), /dead-letters, /reactions, /metrics",
    };

    public static IReadOnlyDictionary<string, string> Tags { get; } = new Dictionary<string, string>
    {
        [EndpointTags.Commands] = "The write side: each command appends events to the invoice's stream and returns the version it reached.",
        [EndpointTags.Invoices] = "Read models of one invoice, and its raw events. Each accepts minVersion for read-your-writes.",
        [EndpointTags.Analytics] = "Aggregates over all invoices from the PostgreSQL analytics read model.",
        [EndpointTags.Search] = "The invoice-search read model: transactions by full text, vendor, item lines and fields.",
        [EndpointTags.Operations] = "For operators: read-model status, rebuilds, dead letters, metrics.",
        [EndpointTags.Reactions] = "For operators: the reactions that send events to webhooks, SQS and SNS: status, resuming, redelivery.",
        [EndpointTags.Archive] = "The seven-year archive of every event (Parquet): verification for operators, ad hoc SQL for readers.",
        [EndpointTags.Console] = "The operator console's page and files. Static and anonymous: the page signs in with a bearer token and calls the operator endpoints with it.",
        [EndpointTags.Service] = "Liveness.",
    };

    private const string Overview = """
        An event-sourced invoice ledger. Commands append invoice events to DynamoDB; read models follow the event stream.

        **Authentication.** Every endpoint except `/health`, this documentation and the console's static files needs `Authorization: Bearer <JWT>`
        with the scope its operation names (see the `bearer` scheme). No or a bad token is a 401 with
        `WWW-Authenticate: Bearer`; a token without the scope is a 403.

        **Errors** are RFC 7807 problem details (`application/problem+json`); a 400 has an `errors` entry per field at
        fault, and problems carry a `code`. Nothing invalid is ever written.

        **Read your writes.** Every command returns the `version` its invoice reached; pass it as `minVersion` to a query
        to wait (up to `waitMs`) until the read model has applied it.

        **Limits.** A token bucket per principal (429 with `Retry-After` above it); request bodies up to 1 MiB by default
        (413); route and query values up to 1,024 UTF-8 bytes (400).
        """;

    public async Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "EventLedger API",
            Version = ApiDocumentation.DocumentName,
            Description = Overview,
        };

        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            BearerFormat = "JWT",
            Description = "A JWT from the server's issuer (locally: `./eventledger token --scope …`; or the OIDC issuer in " +
                "`Auth__Authority`). Scopes, in the token's `scope` claim:\n\n" +
                string.Join("\n", LedgerScopes.All.Select(s => $"- `{s}`: {ScopeDescriptions[s]}")),
        };

        foreach (var tag in document.Tags ?? new HashSet<OpenApiTag>())
        {
            if (tag.Name is { } name && Tags.TryGetValue(name, out var description))
            {
                tag.Description = description;
            }
        }

        // The error responses refer to these by name (see OperationDescriptions).
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        foreach (var type in new[] { typeof(ProblemDetails), typeof(HttpValidationProblemDetails) })
        {
            if (!document.Components.Schemas.ContainsKey(type.Name))
            {
                document.AddComponent(type.Name, await context.GetOrCreateSchemaAsync(type, null, cancellationToken));
            }
        }

        DescribeMetrics(document, context.ApplicationServices);
    }

    private static void DescribeMetrics(OpenApiDocument document, IServiceProvider services)
    {
        var endpoint = services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .FirstOrDefault(e => e.RoutePattern.RawText == MetricsPath);
        if (endpoint is null)
        {
            return;
        }

        var operation = new OpenApiOperation
        {
            Summary = "Metrics in Prometheus' text format",
            Description = "Meters EventLedger.Commands, EventLedger.Streams and EventLedger.Projections: commands, head-cache " +
                "lookups, stream lag and throughput, retries, dead letters.",
            Tags = new HashSet<OpenApiTagReference> { new(EndpointTags.Operations, document) },
            Responses = new OpenApiResponses
            {
                ["200"] = new OpenApiResponse
                {
                    Description = "The current values",
                    Content = new Dictionary<string, OpenApiMediaType>
                    {
                        ["text/plain"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String } },
                    },
                },
            },
        };
        OperationDescriptions.DescribeSecurity(operation, endpoint.Metadata, document);
        OperationDescriptions.DescribeCommonResponses(operation);
        document.Paths ??= new OpenApiPaths();
        document.Paths[MetricsPath] = new OpenApiPathItem
        {
            Operations = new Dictionary<HttpMethod, OpenApiOperation> { [HttpMethod.Get] = operation },
        };
    }
}

/// <summary>The tags that group operations in the document and on the reference page.</summary>
public static class EndpointTags
{
    public const string Commands = "Commands";
    public const string Invoices = "Invoices";
    public const string Analytics = "Analytics";
    public const string Search = "Search";
    public const string Operations = "Operations";
    public const string Reactions = "Reactions";
    public const string Archive = "Archive";
    public const string Console = "Console";
    public const string Service = "Service";
}
