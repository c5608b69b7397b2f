using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace EventLedger.Api.OpenApi;

/// <summary>
/// Schemas as the API really writes and reads them. Numbers are numbers: the web JSON defaults would also accept a
/// number in a string, so the generated schema says "integer or string" with a pattern, but every response writes a
/// JSON number and the command bodies refuse a string ("must be a JSON number"). A property marked
/// <see cref="ObsoleteAttribute"/> (an alias kept for one release) is <c>deprecated</c>, with the attribute's message.
/// </summary>
internal sealed class SchemaConventions : IOpenApiSchemaTransformer
{
    private const JsonSchemaType Numeric = JsonSchemaType.Integer | JsonSchemaType.Number;

    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (schema.Type is { } type && (type & Numeric) != 0 && (type & JsonSchemaType.String) != 0)
        {
            schema.Type = type & ~JsonSchemaType.String;
            schema.Pattern = null;
        }

        if (context.JsonPropertyInfo?.AttributeProvider?.GetCustomAttributes(typeof(ObsoleteAttribute), inherit: true) is { Length: > 0 } attributes)
        {
            schema.Deprecated = true;
            schema.Description = ((ObsoleteAttribute)attributes[0]).Message;
        }

        return Task.CompletedTask;
    }
}
