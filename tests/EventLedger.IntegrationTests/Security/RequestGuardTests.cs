using System.Net;
using System.Net.Sockets;
using System.Text;
using EventLedger.Api.Security;
using EventLedger.IntegrationTests.Fixtures;
using Microsoft.Extensions.DependencyInjection;

namespace EventLedger.IntegrationTests.Security;

/// <summary>Hardened input: over-long keys (400, not 500), bodies that are not JSON (415), bodies over the limit (413).</summary>
[Collection(StackCollection.Name)]
public sealed class RequestGuardTests(StackFixture stack) : IAsyncLifetime
{
    private const int BodyLimit = 16 * 1024;
    private TestApp _app = null!;

    public async Task InitializeAsync() =>
        _app = await TestApp.StartAsync(stack, "guards", s => s.AddSingleton(new EventLedgerLimitsOptions { MaxRequestBodyBytes = BodyLimit }));

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string RecordBody(string id, string extra = "") =>
        $$"""{"transactionId":"{{id}}","amount":1,"currency":"USD","country":"USA","invoiceDate":"2016-06-06"{{extra}}}""";

    private async Task<HttpStatusCode> EventsStatus(string invoice) => (await _app.Http.GetAsync($"/invoices/{invoice}/events")).StatusCode;

    [Fact]
    public async Task A_transaction_prefix_longer_than_a_DynamoDB_sort_key_is_a_400_naming_the_parameter()
    {
        Assert.Equal(HttpStatusCode.Created, (await _app.Http.PostAsync("/invoices/G-1/transactions", Json(RecordBody("t1")))).StatusCode);
        using var response = await _app.Http.GetAsync("/invoices/G-1/transactions?prefix=" + new string('x', 5_000));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadJsonAsync();
        Assert.Contains("1,024 bytes", problem.GetProperty("errors").GetProperty("prefix")[0].GetString(), StringComparison.Ordinal);

        // The limit counts UTF-8 bytes, not characters: 600 'é' are 1,200 bytes.
        Assert.Equal(HttpStatusCode.BadRequest, (await _app.Http.GetAsync("/invoices/G-1/transactions?prefix=" + Uri.EscapeDataString(new string('é', 600)))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _app.Http.GetAsync("/invoices/G-1/transactions?minVersion=1&waitMs=20000&prefix=" + Uri.EscapeDataString(new string('é', 500)))).StatusCode);
    }

    [Fact]
    public async Task Every_route_parameter_longer_than_a_DynamoDB_key_is_a_400_on_every_endpoint()
    {
        var overlong = new string('é', 550); // 1,100 UTF-8 bytes
        var failures = new List<string>();
        var checkedCount = 0;
        foreach (var endpoint in DeclaredEndpoints.Of(_app.App).Where(e => e.Parameters.Count > 0))
        {
            foreach (var parameter in endpoint.Parameters)
            {
                using var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), endpoint.Path(parameter, overlong));
                if (endpoint.Method is "POST" or "PUT") request.Content = Json("{}");
                using var response = await _app.Http.SendAsync(request);
                checkedCount++;
                var body = await response.Content.ReadAsStringAsync();
                // A parameter under a route constraint (the console's file names): a value it refuses matches no endpoint, so none runs.
                if (response.StatusCode == HttpStatusCode.NotFound && endpoint.ConstrainedParameters?.Contains(parameter) == true) continue;
                if (response.StatusCode != HttpStatusCode.BadRequest || !body.Contains($"\"{parameter}\"", StringComparison.Ordinal))
                {
                    failures.Add($"{endpoint} with a 1,100-byte {parameter}: {(int)response.StatusCode} {body}");
                }
            }
        }

        Assert.True(checkedCount >= 15, $"only {checkedCount} route parameters found");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public async Task A_command_body_that_is_not_application_json_is_a_415_and_writes_nothing()
    {
        foreach (var content in new HttpContent[]
        {
            new StringContent(RecordBody("t1"), Encoding.UTF8, "text/plain"),
            new StringContent(RecordBody("t1"), Encoding.UTF8, "application/x-www-form-urlencoded"),
            new ByteArrayContent(Encoding.UTF8.GetBytes(RecordBody("t1"))),
        })
        {
            using var response = await _app.Http.PostAsync("/invoices/G-415/transactions", content);
            Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
            Assert.Equal("unsupported-media-type", (await response.Content.ReadJsonAsync()).GetProperty("code").GetString());
        }

        using var put = await _app.Http.PutAsync("/invoices/G-415/countries/DEU/verifier", new StringContent("""{"verifier":"ana"}""", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, put.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, await EventsStatus("G-415"));
    }

    [Fact]
    public async Task A_body_over_the_limit_is_a_413_whether_its_length_is_declared_or_chunked()
    {
        var document = $$""","document":{"note":"{{new string('n', BodyLimit)}}"}""";
        using var declared = await _app.Http.PostAsync("/invoices/G-413/transactions", Json(RecordBody("t1", document)));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, declared.StatusCode);
        Assert.Equal("body-too-large", (await declared.Content.ReadJsonAsync()).GetProperty("code").GetString());

        // Chunked, so no length is declared: the server finds out while reading. Sent whole over a raw connection,
        // because the server answers (and closes) before it has read everything, which HttpClient reports as a send error.
        var streamed = await SendChunkedAsync("/invoices/G-413/transactions", RecordBody("t1", document));
        Assert.StartsWith("HTTP/1.1 413", streamed, StringComparison.Ordinal);
        Assert.Contains("body-too-large", streamed, StringComparison.Ordinal);
        Assert.DoesNotContain("max request body size", streamed, StringComparison.OrdinalIgnoreCase);

        Assert.Equal(HttpStatusCode.NotFound, await EventsStatus("G-413"));
        Assert.Equal(HttpStatusCode.Created, (await _app.Http.PostAsync("/invoices/G-413/transactions", Json(RecordBody("t1", ""","document":{"note":"fits"}""")))).StatusCode);
    }

    private async Task<string> SendChunkedAsync(string path, string json)
    {
        var address = _app.Http.BaseAddress!;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port);
        var stream = tcp.GetStream();
        var body = Encoding.UTF8.GetBytes(json);
        var head = $"POST {path} HTTP/1.1\r\nHost: {address.Authority}\r\nAuthorization: {_app.Http.DefaultRequestHeaders.Authorization}\r\n" +
            $"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n{body.Length:X}\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head).Concat(body).Concat(Encoding.ASCII.GetBytes("\r\n0\r\n\r\n")).ToArray());
        using var reader = new StreamReader(stream, Encoding.UTF8);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await reader.ReadToEndAsync(timeout.Token);
    }

    [Fact]
    public async Task Without_configured_origins_no_CORS_headers_are_sent()
    {
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/invoices/G-1/transactions");
        preflight.Headers.Add("Origin", "https://evil.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        using var response = await _app.Http.SendAsync(preflight);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));

        using var get = new HttpRequestMessage(HttpMethod.Get, "/invoices/G-1");
        get.Headers.Add("Origin", "https://evil.example");
        Assert.False((await _app.Http.SendAsync(get)).Headers.Contains("Access-Control-Allow-Origin"));
    }
}
