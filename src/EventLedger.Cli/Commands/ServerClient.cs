using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;

namespace EventLedger.Cli.Commands;

/// <summary>Operator commands talk to a running <c>eventledger serve</c> over its HTTP API (it holds the processors and the live state).</summary>
public static class ServerClient
{
    public const string UrlVariable = "EVENTLEDGER_URL";

    public static Option<Uri> UrlOption() => new("--url")
    {
        Description = $"Base URL of a running 'eventledger serve' (or ${UrlVariable})",
        // System.CommandLine has no built-in Uri parser: without this, any --url value failed to parse.
        CustomParser = r => Uri.TryCreate(r.Tokens.Single().Value, UriKind.Absolute, out var uri) ? uri : Invalid(r),
        DefaultValueFactory = _ => new Uri(Environment.GetEnvironmentVariable(UrlVariable) is { Length: > 0 } u ? u : "http://127.0.0.1:5080"),
    };

    private static Uri Invalid(System.CommandLine.Parsing.ArgumentResult result)
    {
        result.AddError($"'{result.Tokens.Single().Value}' is not an absolute URL, e.g. http://127.0.0.1:5080");
        return null!;
    }

    public static HttpClient Create(Uri baseAddress) => new() { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Sends a request; on a non-success status prints the problem's detail and returns null.</summary>
    public static async Task<JsonElement?> SendAsync(HttpClient http, HttpMethod method, string path, CancellationToken ct, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = JsonContent.Create(body);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, ct);
        }
        catch (HttpRequestException ex)
        {
            await Console.Error.WriteLineAsync($"eventledger: cannot reach {http.BaseAddress} ({ex.Message}). Is 'eventledger serve' running? Use --url or {UrlVariable}.");
            return null;
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            var json = text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default;
            if (response.IsSuccessStatusCode)
            {
                return json;
            }

            var detail = json.ValueKind == JsonValueKind.Object && json.TryGetProperty("detail", out var d) ? d.GetString() : text;
            await Console.Error.WriteLineAsync($"eventledger: {method} {path} → {(int)response.StatusCode}: {detail}");
            return null;
        }
    }
}
