using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using EventLedger.Reactions.Sinks.Webhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using StandardWebhooks;

namespace EventLedger.IntegrationTests.Reactions;

/// <summary>One request the receiver got: the Standard Webhooks headers, the CloudEvent, and what the receiver answered.</summary>
public sealed record ReceivedWebhook(string Id, string Timestamp, string Signature, JsonElement CloudEvent, int Status, DateTimeOffset At)
{
    public string Subject => CloudEvent.GetProperty("subject").GetString()!;
    public long InvoiceVersion => CloudEvent.GetProperty("invoiceversion").GetInt64();
    public JsonElement Data => CloudEvent.GetProperty("data");
}

/// <summary>
/// A real webhook receiver: Kestrel on a free loopback port. Every request is verified with the StandardWebhooks package
/// (an implementation independent of ours; a bad signature is answered 401 and counted). <see cref="Respond"/> decides
/// the status (default 200); <see cref="Delay"/> holds requests. It tracks requests in flight per invoice (subject).
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _inFlight = new(StringComparer.Ordinal);
    private int _maxInFlightPerInvoice;
    private int _badSignatures;

    private WebhookReceiver(WebApplication app, string secret)
    {
        _app = app;
        Secret = secret;
    }

    public string Secret { get; }
    public Uri Url => new(_app.Urls.First() + "/hook");
    public ConcurrentQueue<ReceivedWebhook> Requests { get; } = new();

    /// <summary>The status to answer for a request (its id, and how many requests with that id came before it).</summary>
    public Func<string, int, int> Respond { get; set; } = (_, _) => 200;

    public TimeSpan Delay { get; set; } = TimeSpan.Zero;
    public int BadSignatures => Volatile.Read(ref _badSignatures);
    public int MaxInFlightPerInvoice => Volatile.Read(ref _maxInFlightPerInvoice);

    /// <summary>Requests answered 2xx: what a consumer accepted, first acceptance per id, in arrival order.</summary>
    public IReadOnlyList<ReceivedWebhook> Accepted =>
        [.. Requests.Where(r => r.Status is >= 200 and < 300).GroupBy(r => r.Id).Select(g => g.First()).OrderBy(r => r.At)];

    public IReadOnlySet<string> AcceptedIds => Requests.Where(r => r.Status is >= 200 and < 300).Select(r => r.Id).ToHashSet();

    public static async Task<WebhookReceiver> StartAsync(string? secret = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, secret ?? WebhookSignature.NewSecret());
        app.MapPost("/hook", receiver.HandleAsync);
        await app.StartAsync();
        return receiver;
    }

    private async Task<IResult> HandleAsync(HttpRequest request)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        try
        {
            new StandardWebhook(Secret).Verify(body, request.Headers);
        }
        catch (StandardWebhooks.Diagnostics.WebhookVerificationException)
        {
            Interlocked.Increment(ref _badSignatures);
            return Results.StatusCode(401);
        }

        var cloudEvent = JsonDocument.Parse(body).RootElement.Clone();
        var id = request.Headers[WebhookSignature.IdHeader].ToString();
        var subject = cloudEvent.GetProperty("subject").GetString()!;
        var inFlight = _inFlight.AddOrUpdate(subject, 1, (_, n) => n + 1);
        UpdateMax(inFlight);
        try
        {
            if (Delay > TimeSpan.Zero)
            {
                await Task.Delay(Delay);
            }

            var status = Respond(id, Requests.Count(r => r.Id == id));
            Requests.Enqueue(new ReceivedWebhook(id, request.Headers[WebhookSignature.TimestampHeader].ToString(),
                request.Headers[WebhookSignature.SignatureHeader].ToString(), cloudEvent, status, DateTimeOffset.UtcNow));
            return Results.StatusCode(status);
        }
        finally
        {
            _inFlight.AddOrUpdate(subject, 0, (_, n) => n - 1);
        }
    }

    private void UpdateMax(int value)
    {
        int current;
        while (value > (current = Volatile.Read(ref _maxInFlightPerInvoice)) && Interlocked.CompareExchange(ref _maxInFlightPerInvoice, value, current) != current)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
