using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Amazon.SQS.Model;
using EventLedger.Reactions.Configuration;
using EventLedger.Reactions.Hosting;
using EventLedger.Reactions.Sinks;
using EventLedger.Reactions.Sinks.Sqs;
using EventLedger.Reactions.Sinks.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace EventLedger.Cli.Demo;

/// <summary>
/// The demo's reactions: zero-amount alerts to a webhook receiver the demo runs (Kestrel on a loopback port, checking each
/// Standard Webhooks signature) and payment requests to an SQS FIFO queue on the AWS emulator.
/// </summary>
internal sealed class ReactionsDemo : IAsyncDisposable
{
    private readonly WebApplication _receiver;
    private readonly ConcurrentQueue<(JsonElement CloudEvent, string Id, bool Verified)> _alerts = new();
    private readonly string _secret = WebhookSignature.NewSecret();
    private Amazon.SQS.AmazonSQSClient? _sqs;
    private string? _queueUrl;

    private ReactionsDemo(WebApplication receiver) => _receiver = receiver;

    public static async Task<ReactionsDemo> StartAsync(string? awsEndpoint, string tablePrefix, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var demo = new ReactionsDemo(builder.Build());
        demo._receiver.MapPost("/alerts", demo.ReceiveAsync);
        await demo._receiver.StartAsync(ct);
        if (awsEndpoint is not null)
        {
            demo._sqs = SqsSink.CreateClient(new AwsEndpoint(awsEndpoint, "us-east-1", new Amazon.Runtime.BasicAWSCredentials("local", "local")));
            demo._queueUrl = (await demo._sqs.CreateQueueAsync(new CreateQueueRequest
            {
                QueueName = $"{tablePrefix}payment-requests.fifo",
                Attributes = new() { ["FifoQueue"] = "true" },
            }, ct)).QueueUrl;
        }

        return demo;
    }

    public string AlertsUrl => _receiver.Urls.First() + "/alerts";
    public string? QueueUrl => _queueUrl;

    /// <summary>Registers the two reactions with their demo sinks.</summary>
    public void Configure(IServiceCollection services)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["Reactions:ZeroAmountAlerts:Sink"] = "webhook",
            ["Reactions:ZeroAmountAlerts:Url"] = AlertsUrl,
            ["Reactions:ZeroAmountAlerts:Secret"] = _secret,
        };
        if (_queueUrl is not null)
        {
            configuration["Reactions:PaymentRequests:Sink"] = "sqs";
            configuration["Reactions:PaymentRequests:QueueUrl"] = _queueUrl;
        }

        foreach (var reaction in ReactionsConfiguration.Read(new ConfigurationBuilder().AddInMemoryCollection(configuration).Build()))
        {
            services.AddReaction(reaction);
        }
    }

    /// <summary>Records the seed's zero value on invoice 1212121, then shows the alert and the payment requests that arrived.</summary>
    public async Task RunAsync(HttpClient http, int expectedPaymentRequests, List<string> mismatches, CancellationToken ct)
    {
        AnsiConsole.MarkupLine("\n[bold]Reactions[/]: zero-amount alerts → webhook [grey]" + Markup.Escape(AlertsUrl) + "[/], payment requests → SQS [grey]" +
            Markup.Escape(_queueUrl ?? "(no AWS endpoint)") + "[/]");
        var zero = await http.PostAsJsonAsync("/invoices/1212121/transactions",
            new { transactionId = "Client1_trans3xxxx", amount = 0m, currency = "USD", country = "USA", invoiceDate = "2016-06-06" }, ct);
        AnsiConsole.MarkupLine($"  POST /invoices/1212121/transactions (Client1_trans3xxxx, amount 0) → {(int)zero.StatusCode}");

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (_alerts.IsEmpty && DateTime.UtcNow < deadline)
        {
            await Task.Delay(25, ct);
        }

        var alerts = Table("zero-amount-alerts: received by the demo's webhook receiver", "webhook-id", "signature", "invoice", "transaction", "message");
        foreach (var (cloudEvent, id, verified) in _alerts)
        {
            var data = cloudEvent.GetProperty("data");
            alerts.AddRow(id, verified ? "[green]✓ verified[/]" : "[red]✗ bad[/]", data.GetProperty("invoiceNumber").GetString()!,
                data.GetProperty("transactionId").GetString()!, Markup.Escape(data.GetProperty("message").GetString()!));
        }

        AnsiConsole.Write(alerts);
        if (_alerts.Count != 1 || !_alerts.All(a => a.Verified))
        {
            mismatches.Add($"zero-amount-alerts: expected one verified alert, got {_alerts.Count}");
        }

        if (_sqs is null || _queueUrl is null)
        {
            return;
        }

        var received = new List<Message>();
        deadline = DateTime.UtcNow.AddSeconds(20);
        while (received.Count < expectedPaymentRequests && DateTime.UtcNow < deadline)
        {
            var response = await _sqs.ReceiveMessageAsync(new ReceiveMessageRequest
            {
                QueueUrl = _queueUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = 1, MessageSystemAttributeNames = ["MessageGroupId"],
            }, ct);
            foreach (var message in response.Messages ?? [])
            {
                received.Add(message);
                await _sqs.DeleteMessageAsync(_queueUrl, message.ReceiptHandle, ct);
            }
        }

        var payments = Table("payment-requests: received from the SQS FIFO queue (group = invoice)", "group", "version", "transaction", "amount", "currency", "country");
        foreach (var message in received)
        {
            var cloudEvent = JsonDocument.Parse(message.Body).RootElement;
            var data = cloudEvent.GetProperty("data");
            payments.AddRow(message.Attributes["MessageGroupId"], cloudEvent.GetProperty("invoiceversion").ToString(), data.GetProperty("transactionId").GetString()!,
                data.GetProperty("amount").GetDecimal().ToString("0.####", CultureInfo.InvariantCulture), data.GetProperty("currency").GetString()!, data.GetProperty("country").GetString()!);
        }

        AnsiConsole.Write(payments);
        if (received.Count != expectedPaymentRequests)
        {
            mismatches.Add($"payment-requests: expected {expectedPaymentRequests} messages on the queue, got {received.Count}");
        }
    }

    private async Task<IResult> ReceiveAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        var verified = WebhookSignature.Verify([_secret], request.Headers[WebhookSignature.IdHeader], request.Headers[WebhookSignature.TimestampHeader],
            request.Headers[WebhookSignature.SignatureHeader], Encoding.UTF8.GetBytes(body), DateTimeOffset.UtcNow);
        _alerts.Enqueue((JsonDocument.Parse(body).RootElement.Clone(), request.Headers[WebhookSignature.IdHeader].ToString(), verified));
        return verified ? Results.NoContent() : Results.Unauthorized();
    }

    private static Table Table(string title, params string[] columns)
    {
        var table = new Table { Title = new TableTitle($"\n[bold]{Markup.Escape(title)}[/]"), Border = TableBorder.Rounded };
        foreach (var c in columns) table.AddColumn(c);
        return table;
    }

    public async ValueTask DisposeAsync()
    {
        _sqs?.Dispose();
        await _receiver.StopAsync();
        await _receiver.DisposeAsync();
    }
}
