using System.Text.Json;

namespace EventLedger.IntegrationTests.Security;

internal static class HttpContentJson
{
    /// <summary>The body as JSON whatever its media type (problem details come as application/problem+json).</summary>
    public static async Task<JsonElement> ReadJsonAsync(this HttpContent content) =>
        JsonDocument.Parse(await content.ReadAsStringAsync()).RootElement.Clone();
}
