using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;

namespace EventLedger.Cli.Commands;

/// <summary>Operator commands talk to a running <c>eventledger serve</c> over its HTTP API (it holds the processors and the live state).</summary>
public static class ServerClient
{
    public const string UrlVariable = "EVENTLEDGER_URL";

    public static Option<string> UrlOption()
    {
        var option = new Option<string>("--url")
        {
            Description = $"Base URL of a running 'eventledger serve' (or ${UrlVariable})",
            DefaultValueFactory = _ => Environment.GetEnvironmentVariable(UrlVariable) is { Length: > 0 } u ? u : "http://127.0.0.1:5080",
        };
        option.Validators.Add(result =>
        {
            var text = result.GetValueOrDefault<string>();
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                result.AddError($"--url must be an absolute http(s) URL such as http://127.0.0.1:5080, not '{text}'.");
            }
        });
        return option;
    }

    public static HttpClient Create(string baseAddress) => new() { BaseAddress = new Uri(baseAddress), Timeout = TimeSpan.FromSeconds(30) };

    /// <summary>Sends a request; on a non-success status writes the problem's detail to <paramref name="error"/> and returns null.</summary>
    public static async Task<JsonElement?> SendAsync(HttpClient http, HttpMethod method, string path, TextWriter error, CancellationToken ct, object? body = null)
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
            await error.WriteLineAsync($"eventledger: cannot reach {http.BaseAddress} ({ex.Message}). Is 'eventledger serve' running? Use --url or {UrlVariable}.");
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
            await error.WriteLineAsync($"eventledger: {method} {path} → {(int)response.StatusCode}: {detail}");
            return null;
        }
    }
}
