using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using EventLedger.Projections.Reactions;
using EventLedger.Reactions.Configuration;

namespace EventLedger.Reactions.Sinks.Webhooks;

/// <summary>
/// POSTs each message's CloudEvents JSON to a URL with the Standard Webhooks headers: <c>webhook-id</c> = the event id (the
/// same on every attempt), <c>webhook-timestamp</c> = this attempt's time, <c>webhook-signature</c> with every configured
/// secret. 2xx is delivered; 410 is gone (the reaction disables itself); 408, 425, 429, 5xx, timeouts and connection
/// failures are retried; any other status is a rejection.
/// </summary>
public sealed class WebhookSink : IReactionSink
{
    private static readonly MediaTypeHeaderValue CloudEventsJson = MediaTypeHeaderValue.Parse(CloudEventJson.ContentType);

    private readonly HttpClient _http;
    private readonly Uri _url;
    private readonly IReadOnlyList<byte[]> _keys;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _time;

    public WebhookSink(SinkSettings settings, TimeProvider? time = null, HttpMessageHandler? handler = null)
    {
        _url = settings.Url ?? throw new ArgumentException("A webhook sink needs a URL.", nameof(settings));
        _keys = [.. settings.Secrets.Select(s => WebhookSignature.TryParseSecret(s, out var key) ? key : throw new ArgumentException("Not a whsec_ secret.", nameof(settings)))];
        _timeout = settings.Timeout;
        _time = time ?? TimeProvider.System;
        _http = new HttpClient(handler ?? new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            AutomaticDecompression = DecompressionMethods.None,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public string Kind => "webhook";
    public string Target => _url.ToString();
    public int MaxBatchSize => 1;

    public async Task<IReadOnlyList<DeliveryOutcome>> SendAsync(IReadOnlyList<OutgoingMessage> messages, CancellationToken cancellationToken)
    {
        var outcomes = new DeliveryOutcome[messages.Count];
        for (var i = 0; i < messages.Count; i++)
        {
            outcomes[i] = await SendOneAsync(messages[i], cancellationToken);
        }

        return outcomes;
    }

    private async Task<DeliveryOutcome> SendOneAsync(OutgoingMessage message, CancellationToken cancellationToken)
    {
        var id = message.Message.IdText;
        var timestamp = _time.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new ByteArrayContent(message.Body) };
        request.Content.Headers.ContentType = CloudEventsJson;
        request.Headers.TryAddWithoutValidation(WebhookSignature.IdHeader, id);
        request.Headers.TryAddWithoutValidation(WebhookSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(WebhookSignature.SignatureHeader, WebhookSignature.Sign(_keys, id, timestamp, message.Body));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            return status switch
            {
                >= 200 and < 300 => DeliveryOutcome.Delivered,
                410 => new DeliveryOutcome(DeliveryStatus.Gone, $"{_url} answered 410 Gone"),
                408 or 425 or 429 or >= 500 => new DeliveryOutcome(DeliveryStatus.Retry, $"{_url} answered {status} {response.ReasonPhrase}"),
                _ => new DeliveryOutcome(DeliveryStatus.Rejected, $"{_url} answered {status} {response.ReasonPhrase}"),
            };
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new DeliveryOutcome(DeliveryStatus.Retry, $"{_url} did not answer within {_timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException ex)
        {
            return new DeliveryOutcome(DeliveryStatus.Retry, $"{_url} unreachable: {ex.Message}");
        }
    }

    public ValueTask DisposeAsync()
    {
        _http.Dispose();
        return ValueTask.CompletedTask;
    }
}
