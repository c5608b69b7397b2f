using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.Reactions.Configuration;
using EventLedger.Reactions.Hosting;
using Microsoft.Extensions.Configuration;

namespace EventLedger.IntegrationTests.Reactions;

/// <summary>The real app with reactions configured from an in-memory <c>Reactions</c> section, and the few calls the tests make.</summary>
internal static class ReactionsTestApp
{
    public static Task<TestApp> StartAsync(StackFixture stack, string name, IDictionary<string, string?> configuration) =>
        TestApp.StartAsync(stack, name, services =>
        {
            foreach (var reaction in ReactionsConfiguration.Read(new ConfigurationBuilder().AddInMemoryCollection(configuration).Build()))
            {
                services.AddReaction(reaction);
            }
        });

    /// <summary>A webhook sink for <c>Reactions:{section}</c> with quick retries.</summary>
    public static Dictionary<string, string?> Webhook(string section, WebhookReceiver receiver, int maxAttempts = 8) => new()
    {
        [$"Reactions:{section}:Sink"] = "webhook",
        [$"Reactions:{section}:Url"] = receiver.Url.ToString(),
        [$"Reactions:{section}:Secret"] = receiver.Secret,
        [$"Reactions:{section}:MaxAttempts"] = maxAttempts.ToString(CultureInfo.InvariantCulture),
        [$"Reactions:{section}:InitialBackoff"] = "0.02",
        [$"Reactions:{section}:MaxBackoff"] = "0.2",
        [$"Reactions:{section}:Timeout"] = "2",
    };

    public static async Task<HttpResponseMessage> RecordAsync(this TestApp app, string invoice, string transactionId, decimal amount, string? ifMatch = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/invoices/{invoice}/transactions")
        {
            Content = JsonContent.Create(new { transactionId, amount, currency = "USD", country = "USA", invoiceDate = "2016-06-06" }),
        };
        if (ifMatch is not null)
        {
            request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        }

        return await app.Http.SendAsync(request);
    }

    public static Task<HttpResponseMessage> AdjustAsync(this TestApp app, string invoice, string transactionId, decimal amount) =>
        app.Http.PutAsJsonAsync($"/invoices/{invoice}/transactions/{transactionId}", new { amount });

    /// <summary>The invoice's events from the event store (GET /invoices/{n}/events).</summary>
    public static async Task<List<JsonElement>> EventsAsync(this TestApp app, string invoice) =>
        [.. (await app.Http.GetFromJsonAsync<JsonElement>($"/invoices/{invoice}/events")).EnumerateArray()];

    public static async Task<JsonElement> ReactionAsync(this TestApp app, string name) =>
        await app.Http.GetFromJsonAsync<JsonElement>($"/reactions/{name}");
}
