using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EventLedger.Api.OpenApi;
using EventLedger.Api.Security;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.IntegrationTests.Security;

namespace EventLedger.IntegrationTests.OpenApi;

/// <summary>
/// <c>/openapi/v1.json</c> against the routes the server really maps (its EndpointDataSource, read as the security
/// matrix reads it, not listed here): a route missing from the document, or described without its parameters, its
/// responses or its scope, fails with what to add. Routes added later are checked the same way.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class OpenApiDocumentTests(StackFixture stack) : IAsyncLifetime
{
    private const string Bearer = "bearer";
    private TestApp _app = null!;
    private HttpClient _anonymous = null!;
    private JsonElement _document;

    public async Task InitializeAsync()
    {
        _app = await TestApp.StartAsync(stack, "openapi");
        _anonymous = new HttpClient { BaseAddress = _app.Http.BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        using var response = await _anonymous.GetAsync(ApiDocumentation.DocumentPath);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        _document = await response.Content.ReadJsonAsync();
    }

    public async Task DisposeAsync()
    {
        _anonymous.Dispose();
        await _app.DisposeAsync();
    }

    [Fact]
    public void Every_mapped_route_is_in_the_document_with_its_parameters_responses_and_scope()
    {
        // A route excluded on purpose (a refusal the document describes under the route clients call) is not a gap.
        var endpoints = DeclaredEndpoints.Of(_app.App).Where(e => !IsDocumentation(e) && !e.ExcludedFromDescription).ToList();
        Assert.True(endpoints.Count >= 20, $"expected the whole API, found {endpoints.Count} routes: {string.Join(", ", endpoints)}");

        var gaps = endpoints.SelectMany(Gaps).ToList();

        Assert.True(gaps.Count == 0,
            $"{gaps.Count} gaps between the mapped routes and {ApiDocumentation.DocumentPath}. Describe each route where it is mapped: " +
            ".Describe(tag, summary) for what it does, .Produces<T>(status) when the handler returns IResult, .Problem(status, meaning) for each " +
            "error it answers, and a description for each parameter ([Description] on the handler's parameter, or a shared one in " +
            "src/EventLedger.Api/OpenApi/ParameterDescriptions.cs):\n" + string.Join("\n", gaps));
    }

    [Fact]
    public void A_route_the_document_lacks_is_reported()
    {
        var gaps = Gaps(new DeclaredEndpoint("GET", "/no-such-route/{id}", LedgerScopes.Read, Anonymous: false)).ToList();

        Assert.Equal(["GET /no-such-route/{id}: missing (no get under paths[\"/no-such-route/{id}\"])"], gaps);
    }

    [Fact]
    public void The_bearer_scheme_names_every_scope_and_each_scope_guards_some_operation()
    {
        var scheme = _document.GetProperty("components").GetProperty("securitySchemes").GetProperty(Bearer);
        Assert.Equal("http", scheme.GetProperty("type").GetString());
        Assert.Equal("bearer", scheme.GetProperty("scheme").GetString());
        Assert.Equal("JWT", scheme.GetProperty("bearerFormat").GetString());
        var description = scheme.GetProperty("description").GetString()!;
        Assert.All(LedgerScopes.All, scope => Assert.Contains($"`{scope}`", description, StringComparison.Ordinal));

        var required = Operations()
            .SelectMany(o => o.Operation.TryGetProperty("security", out var security) ? security.EnumerateArray() : [])
            .SelectMany(r => r.GetProperty(Bearer).EnumerateArray().Select(s => s.GetString()!))
            .Distinct()
            .Order(StringComparer.Ordinal);
        Assert.Equal(LedgerScopes.All.Order(StringComparer.Ordinal), required);
    }

    [Fact]
    public async Task The_document_and_the_reference_page_are_explicitly_anonymous_and_served_offline()
    {
        var documentation = DeclaredEndpoints.Of(_app.App).Where(IsDocumentation).ToList();
        Assert.Contains(documentation, e => e.Pattern.StartsWith("/openapi/", StringComparison.Ordinal));
        Assert.Contains(documentation, e => e.Pattern.StartsWith("/scalar", StringComparison.Ordinal));
        Assert.All(documentation, e => Assert.True(e.Anonymous, $"{e} relies on the fallback policy instead of AllowAnonymous"));

        using var page = await _anonymous.GetAsync(ApiDocumentation.ReferencePath + "/v1");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("openapi/v1.json", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);

        // The page's script comes from this server (bundled in Scalar.AspNetCore), not from a CDN.
        using var script = await _anonymous.GetAsync(ApiDocumentation.ReferencePath + "/scalar.js");
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.True((await script.Content.ReadAsByteArrayAsync()).Length > 100_000, "the bundled reference script");
    }

    [Theory]
    [InlineData("POST", "/invoices/{invoiceNumber}/transactions", "/invoices/OAS-1/transactions")]
    [InlineData("PUT", "/invoices/{invoiceNumber}/transactions/{transactionId}", "/invoices/OAS-1/transactions/t1")]
    [InlineData("PUT", "/invoices/{invoiceNumber}/countries/{country}/verifier", "/invoices/OAS-1/countries/USA/verifier")]
    public async Task A_command_body_requires_in_the_document_what_the_endpoint_requires(string method, string route, string url)
    {
        var schema = Resolve(_document.GetProperty("paths").GetProperty(route).GetProperty(method.ToLowerInvariant())
            .GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema"));
        var required = schema.GetProperty("required").EnumerateArray().Select(r => r.GetString()!).Order(StringComparer.Ordinal).ToList();
        var properties = schema.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToList();
        Assert.NotEmpty(required);
        Assert.Subset(properties.ToHashSet(), required.ToHashSet());

        // An empty body: the endpoint names every field it requires, and only those.
        using var response = await _app.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), url)
        {
            Content = new StringContent("{}", Encoding.UTF8, "application/json"),
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadJsonAsync()).GetProperty("errors").EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal);
        Assert.Equal(required, errors);
    }

    [Fact]
    public async Task Projections_say_liveVersion_and_keep_activeVersion_as_a_deprecated_alias()
    {
        var properties = _document.GetProperty("components").GetProperty("schemas").GetProperty("ReadModelStatusResponse").GetProperty("properties");
        Assert.False(properties.GetProperty("liveVersion").TryGetProperty("deprecated", out _));
        Assert.True(properties.GetProperty("activeVersion").GetProperty("deprecated").GetBoolean());

        var models = await _app.Http.GetFromJsonAsync<JsonElement>("/projections");
        Assert.NotEmpty(models.EnumerateArray());
        Assert.All(models.EnumerateArray(), m => Assert.Equal(m.GetProperty("liveVersion").GetInt32(), m.GetProperty("activeVersion").GetInt32()));
    }

    /// <summary>What the document lacks about one route; nothing when it describes it fully.</summary>
    private IEnumerable<string> Gaps(DeclaredEndpoint endpoint)
    {
        var path = DocumentPathOf(endpoint.Pattern);
        var method = endpoint.Method.ToLowerInvariant();
        if (!_document.GetProperty("paths").TryGetProperty(path, out var item) || !item.TryGetProperty(method, out var operation))
        {
            yield return $"{endpoint}: missing (no {method} under paths[\"{path}\"])";
            yield break;
        }

        if (!HasText(operation, "summary")) yield return $"{endpoint}: no summary";

        var parameters = operation.TryGetProperty("parameters", out var list) ? list.EnumerateArray().ToList() : [];
        foreach (var name in endpoint.Parameters.Where(n => !parameters.Any(p => p.GetProperty("in").GetString() == "path" && p.GetProperty("name").GetString() == n)))
        {
            yield return $"{endpoint}: route parameter '{name}' is not among the operation's parameters";
        }

        foreach (var parameter in parameters.Where(p => !HasText(p, "description")))
        {
            yield return $"{endpoint}: parameter '{parameter.GetProperty("name").GetString()}' ({parameter.GetProperty("in").GetString()}) has no description";
        }

        var responses = operation.GetProperty("responses").EnumerateObject().ToList();
        if (!responses.Any(r => r.Name.StartsWith('2'))) yield return $"{endpoint}: no success response";
        foreach (var response in responses)
        {
            var status = int.Parse(response.Name, CultureInfo.InvariantCulture);
            var content = response.Value.TryGetProperty("content", out var c) ? c.EnumerateObject().ToList() : [];
            if (status is >= 200 and < 300 and not 204 && !content.Any(m => m.Value.TryGetProperty("schema", out _)))
            {
                yield return $"{endpoint}: its {status} response has no body schema";
            }

            if (status >= 400 && !content.Any(m => m.Name == "application/problem+json"))
            {
                yield return $"{endpoint}: its {status} response is not problem details";
            }
        }

        var scopes = operation.TryGetProperty("security", out var security)
            ? security.EnumerateArray().SelectMany(r => r.TryGetProperty(Bearer, out var s) ? s.EnumerateArray().Select(x => x.GetString()) : [null]).ToList()
            : [];
        if (endpoint.Anonymous)
        {
            if (scopes.Count > 0) yield return $"{endpoint}: anonymous, but the document asks for a token";
        }
        else
        {
            if (scopes.Count != 1 || scopes[0] != endpoint.Scope)
            {
                yield return $"{endpoint}: needs {endpoint.Scope ?? "a token"}, the document's security says [{string.Join(", ", scopes)}]";
            }

            foreach (var status in new[] { "401", "403" }.Where(s => responses.All(r => r.Name != s)))
            {
                yield return $"{endpoint}: no {status} response";
            }
        }
    }

    /// <summary>The route as OpenAPI writes it: parameters without constraints, defaults or catch-all marks, no trailing slash.</summary>
    private static string DocumentPathOf(string pattern)
    {
        var path = System.Text.RegularExpressions.Regex.Replace(pattern, @"\{\*{0,2}(?<name>[^}:?=]+)[^}]*\}", "{${name}}");
        return path.Length > 1 ? path.TrimEnd('/') : path;
    }

    /// <summary>The documentation's own routes: they describe the API and are not part of it.</summary>
    private static bool IsDocumentation(DeclaredEndpoint endpoint) =>
        endpoint.Pattern.StartsWith("/openapi/", StringComparison.Ordinal) || endpoint.Pattern.StartsWith(ApiDocumentation.ReferencePath, StringComparison.Ordinal);

    private IEnumerable<(string Path, string Method, JsonElement Operation)> Operations() =>
        from path in _document.GetProperty("paths").EnumerateObject()
        from operation in path.Value.EnumerateObject()
        select (path.Name, operation.Name, operation.Value);

    private JsonElement Resolve(JsonElement schema) =>
        schema.TryGetProperty("$ref", out var reference)
            ? _document.GetProperty("components").GetProperty("schemas").GetProperty(reference.GetString()!["#/components/schemas/".Length..])
            : schema;

    private static bool HasText(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString());
}
