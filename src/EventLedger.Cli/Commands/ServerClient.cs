using System.CommandLine;
using System.Net.Http.Json;
using System.Text.Json;
using EventLedger.Api.Security;

namespace EventLedger.Cli.Commands;

/// <summary>Operator commands talk to a running <c>eventledger serve</c> over its HTTP API (it holds the processors and the live state).</summary>
internal static class ServerClient
{
    public const string UrlVariable = "EVENTLEDGER_URL";

    /// <summary>A bearer token to send instead of one minted with the local key (for a server that validates tokens from an OIDC issuer).</summary>
    public const string TokenVariable = "EVENTLEDGER_TOKEN";

    private static int _warnedInsecure;

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

    /// <summary>
    /// A client for the server at <paramref name="baseAddress"/> that sends <c>$EVENTLEDGER_TOKEN</c>, else a short-lived
    /// token (ledger.operate and ledger.read) minted with this machine's local key, which a local server accepts.
    /// </summary>
    public static HttpClient Create(string baseAddress)
    {
        var http = new HttpClient { BaseAddress = new Uri(baseAddress), Timeout = TimeSpan.FromSeconds(30) };
        if (Environment.GetEnvironmentVariable(TokenVariable) is { Length: > 0 } token)
        {
            http.DefaultRequestHeaders.Authorization = new("Bearer", token);
        }
        else if (LocalTokenIssuer.FromEnvironment() is { } issuer)
        {
            // Long enough for a rebuild the CLI watches; the subject names the operator's account.
            http.DefaultRequestHeaders.Authorization = issuer.Bearer($"cli:{Environment.UserName}", [LedgerScopes.Operate, LedgerScopes.Read], TimeSpan.FromHours(12));
        }

        return http;
    }

    /// <summary>A string field of a server's answer; null when it is missing or not a string.</summary>
    public static string? Str(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

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
            if (response.Headers.Warning.Count > 0 && Interlocked.Exchange(ref _warnedInsecure, 1) == 0)
            {
                await error.WriteLineAsync($"eventledger: warning from the server: {string.Join("; ", response.Headers.Warning.Select(w => w.Text.Trim('"')))}");
            }

            var text = await response.Content.ReadAsStringAsync(ct);
            var json = text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default;
            if (response.IsSuccessStatusCode)
            {
                return json;
            }

            var detail = json.ValueKind == JsonValueKind.Object && json.TryGetProperty("detail", out var d) ? d.GetString() : text;
            if (response.StatusCode == System.Net.HttpStatusCode.Unauthorized)
            {
                detail += $" The CLI signs with this machine's key (.eventledger/auth/signing-key); for a server elsewhere or one with Auth__Authority, set {TokenVariable} to a token from its issuer.";
            }

            await error.WriteLineAsync($"eventledger: {method} {path} → {(int)response.StatusCode}: {detail}");
            return null;
        }
    }
}
