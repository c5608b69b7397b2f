using System.Text.Json;

namespace EventLedger.Cli.Demo;

/// <summary>The sample from the DynamoDB Streams design patterns (samples/sample-invoices.json): commands in order and the expected read models.</summary>
internal sealed record SampleInvoices(IReadOnlyList<JsonElement> Commands, JsonElement Expected)
{
    public static SampleInvoices Load(string? path = null)
    {
        path ??= Path.Combine(AppContext.BaseDirectory, "samples", "sample-invoices.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(path));
        var root = doc.RootElement.Clone();
        return new SampleInvoices([.. root.GetProperty("commands").EnumerateArray()], root.GetProperty("expected"));
    }

    /// <summary>The HTTP request that sends one sample command through the command path.</summary>
    public static HttpRequestMessage ToRequest(JsonElement command)
    {
        var invoice = Uri.EscapeDataString(command.GetProperty("invoiceNumber").GetString()!);
        return command.GetProperty("command").GetString() switch
        {
            "assignVerifier" => Json(HttpMethod.Put, $"/invoices/{invoice}/countries/{Uri.EscapeDataString(command.GetProperty("country").GetString()!)}/verifier",
                new { verifier = command.GetProperty("verifier").GetString() }),
            "recordTransaction" => Json(HttpMethod.Post, $"/invoices/{invoice}/transactions", new
            {
                transactionId = command.GetProperty("transactionId").GetString(),
                amount = command.GetProperty("amount").GetDecimal(),
                currency = command.GetProperty("currency").GetString(),
                country = command.GetProperty("country").GetString(),
                invoiceDate = command.GetProperty("invoiceDate").GetString(),
                document = command.TryGetProperty("document", out var d) ? d : (JsonElement?)null,
            }),
            var other => throw new InvalidOperationException($"The sample has a command '{other}' the demo does not know."),
        };
    }

    private static HttpRequestMessage Json(HttpMethod method, string path, object body) =>
        new(method, path) { Content = System.Net.Http.Json.JsonContent.Create(body) };
}
