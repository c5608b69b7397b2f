using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.ProjectionHost.Hosting;
using EventLedger.ProjectionHost.Rebuilds;
using EventLedger.Projections.Reactions.PaymentRequests;
using EventLedger.Projections.Reactions.ZeroAmountAlerts;
using static EventLedger.IntegrationTests.Reactions.ReactionsTestApp;

namespace EventLedger.IntegrationTests.Reactions;

/// <summary>
/// Reactions to a real webhook receiver (Kestrel, signatures verified with the StandardWebhooks package) through the real
/// app: the command API, DynamoDB Local's stream, the projection host.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class WebhookReactionTests(StackFixture stack)
{
    [Fact]
    public async Task A_failing_receiver_gets_each_message_again_with_the_same_id_until_it_accepts_it()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        // 503, 429, then 500, then accepted: four attempts per message.
        receiver.Respond = (_, before) => before switch { 0 => 503, 1 => 429, 2 => 500, _ => 200 };
        await using var app = await ReactionsTestApp.StartAsync(stack, "rx-retry", Webhook("PaymentRequests", receiver));

        for (var i = 1; i <= 3; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await app.RecordAsync("RX-R1", $"t{i}", 10m * i)).StatusCode);
        }

        var events = await app.EventsAsync("RX-R1");
        var expected = events.Select(e => e.GetProperty("eventId").GetString()!).ToHashSet();
        await Probe.UntilAsync(() => receiver.AcceptedIds.SetEquals(expected), "every payment request to be accepted", TimeSpan.FromSeconds(30),
            () => $"{receiver.Requests.Count} requests, accepted {string.Join(", ", receiver.AcceptedIds)}");

        Assert.Equal(0, receiver.BadSignatures);
        foreach (var group in receiver.Requests.GroupBy(r => r.Id))
        {
            Assert.Equal([503, 429, 500, 200], group.Select(r => r.Status));
            Assert.All(group, r => Assert.Equal(group.Key, r.CloudEvent.GetProperty("id").GetString()));
        }

        var first = receiver.Accepted[0];
        Assert.Equal("1.0", first.CloudEvent.GetProperty("specversion").GetString());
        Assert.Equal(PaymentRequestsReaction.Type, first.CloudEvent.GetProperty("type").GetString());
        Assert.Equal("RX-R1", first.Subject);
        Assert.Equal("t1", first.Data.GetProperty("transactionId").GetString());
        Assert.Equal(10m, first.Data.GetProperty("amount").GetDecimal());
        Assert.Equal("2016-06-06", first.Data.GetProperty("invoiceDate").GetString());
        var status = await app.ReactionAsync(PaymentRequestsReaction.Name);
        Assert.Equal("on", status.GetProperty("state").GetString());
        Assert.True(status.GetProperty("retried").GetInt64() >= 9);
    }

    [Fact]
    public async Task The_checkpoint_does_not_pass_a_message_the_receiver_has_not_acknowledged()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var accept = false;
        receiver.Respond = (_, _) => Volatile.Read(ref accept) ? 200 : 503;
        await using var app = await ReactionsTestApp.StartAsync(stack, "rx-ckpt", Webhook("PaymentRequests", receiver, maxAttempts: 1000));
        var host = app.Get<ProjectionHostService>();

        Assert.Equal(HttpStatusCode.Created, (await app.RecordAsync("RX-C1", "t1", 5m)).StatusCode);
        await Probe.UntilAsync(() => receiver.Requests.Count >= 3, "three refused attempts");
        var refused = Subscription(host);
        Assert.Equal(0, refused.RecordsProcessed);
        Assert.All(refused.Shards, s => Assert.Null(s.Checkpoint));

        Volatile.Write(ref accept, true);
        await Probe.UntilAsync(() => receiver.AcceptedIds.Count == 1, "the message to be accepted");
        await Probe.UntilAsync(() => Subscription(host).Shards.Any(s => s.Checkpoint is not null), "the checkpoint after the acknowledgement", TimeSpan.FromSeconds(10));
        Assert.Equal(1, Subscription(host).RecordsProcessed);
        Assert.Single(receiver.Requests.Select(r => r.Id).Distinct());
    }

    [Fact]
    public async Task A_410_disables_the_reaction_visibly_and_enabling_it_delivers_what_was_held()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var gone = true;
        receiver.Respond = (_, _) => Volatile.Read(ref gone) ? 410 : 200;
        await using var app = await ReactionsTestApp.StartAsync(stack, "rx-410", Webhook("ZeroAmountAlerts", receiver));

        Assert.Equal(HttpStatusCode.Created, (await app.RecordAsync("RX-G1", "t1", 0m)).StatusCode);
        JsonElement status = default;
        await Probe.UntilAsync(async () => (status = await app.ReactionAsync(ZeroAmountAlertsReaction.Name)).GetProperty("state").GetString() == "disabled",
            "the reaction to report disabled", TimeSpan.FromSeconds(20), () => status.ToString());
        Assert.Contains("410", status.GetProperty("stateDetail").GetString(), StringComparison.Ordinal);
        var attempts = receiver.Requests.Count;
        Assert.Empty(receiver.AcceptedIds);
        Assert.Equal(0, Subscription(app.Get<ProjectionHostService>(), ZeroAmountAlertsReaction.Name).RecordsProcessed);
        Assert.Equal(HttpStatusCode.Conflict, (await app.Http.PostAsJsonAsync($"/reactions/{ZeroAmountAlertsReaction.Name}/redeliveries", new { from = "RX-G1/1" })).StatusCode);

        // While disabled nothing is sent (the delivery waits on the gate).
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(attempts, receiver.Requests.Count);

        Volatile.Write(ref gone, false);
        var enabled = await app.Http.PostAsync($"/reactions/{ZeroAmountAlertsReaction.Name}/enable", null);
        Assert.Equal(HttpStatusCode.OK, enabled.StatusCode);
        Assert.Equal("on", (await enabled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());
        await Probe.UntilAsync(() => receiver.AcceptedIds.Count == 1, "the held alert to be delivered after enabling", TimeSpan.FromSeconds(20));
        var alert = receiver.Accepted[0];
        Assert.Equal(ZeroAmountAlertsReaction.Type, alert.CloudEvent.GetProperty("type").GetString());
        Assert.StartsWith("Take immediate action for Invoice number RX-G1 as zero value is reported in the InvoiceTransactions table as on ",
            alert.Data.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_invoice_has_one_message_in_flight_and_its_messages_arrive_in_version_order()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Delay = TimeSpan.FromMilliseconds(3);
        // Every third first attempt fails, so retries interleave with other invoices' messages.
        receiver.Respond = (id, before) => before == 0 && (id.GetHashCode(StringComparison.Ordinal) & 0x7fffffff) % 3 == 0 ? 503 : 200;
        var configuration = Webhook("PaymentRequests", receiver);
        configuration["Reactions:PaymentRequests:MaxConcurrency"] = "8";
        await using var app = await ReactionsTestApp.StartAsync(stack, "rx-order", configuration);

        var invoices = Enumerable.Range(1, 4).Select(i => $"RX-O{i}").ToList();
        await Task.WhenAll(invoices.Select(async invoice =>
        {
            for (var t = 1; t <= 12; t++)
            {
                Assert.Equal(HttpStatusCode.Created, (await app.RecordAsync(invoice, $"t{t}", t)).StatusCode);
            }
        }));

        await Probe.UntilAsync(() => receiver.AcceptedIds.Count == 48, "48 payment requests", TimeSpan.FromSeconds(60), () => $"{receiver.AcceptedIds.Count}");
        Assert.Equal(1, receiver.MaxInFlightPerInvoice);
        foreach (var invoice in invoices)
        {
            // Every request, failed or not, in arrival order: a version is never sent before the one before it was accepted.
            var versions = receiver.Requests.Where(r => r.Subject == invoice).Select(r => r.InvoiceVersion).ToList();
            Assert.Equal(versions.Order(), versions);
            Assert.Equal(Enumerable.Range(1, 12).Select(v => (long)v), receiver.Accepted.Where(r => r.Subject == invoice).Select(r => r.InvoiceVersion));
        }
    }

    [Fact]
    public async Task Nothing_is_sent_for_a_command_that_wrote_no_event()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = await ReactionsTestApp.StartAsync(stack, "rx-none", Webhook("ZeroAmountAlerts", receiver));
        const string invoice = "RX-N1";

        Assert.Equal(HttpStatusCode.Created, (await app.RecordAsync(invoice, "t1", 0m)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await app.RecordAsync(invoice, "t1", 0m)).StatusCode);              // duplicate id
        Assert.Equal(HttpStatusCode.PreconditionFailed, (await app.RecordAsync(invoice, "t2", 0m, "\"7\"")).StatusCode); // stale If-Match
        Assert.Equal(HttpStatusCode.BadRequest, (await app.RecordAsync(invoice, "t3", 0.00001m)).StatusCode);       // 5 decimal places
        Assert.Equal(HttpStatusCode.NotFound, (await app.AdjustAsync(invoice, "nope", 0m)).StatusCode);              // unknown transaction
        Assert.Equal(HttpStatusCode.Created, (await app.RecordAsync(invoice, "t4", 12m)).StatusCode);               // no alert: not zero
        Assert.Equal(HttpStatusCode.OK, (await app.AdjustAsync(invoice, "t4", 0m)).StatusCode);                    // alert
        Assert.Equal(HttpStatusCode.Created, (await app.RecordAsync(invoice, "marker", 0m)).StatusCode);           // alert, last

        var events = await app.EventsAsync(invoice);
        var marker = events.Single(e => e.GetProperty("data").TryGetProperty("transactionId", out var t) && t.GetString() == "marker").GetProperty("eventId").GetString()!;
        await Probe.UntilAsync(() => receiver.AcceptedIds.Contains(marker), "the last alert (per-invoice order: everything before it was handled)");

        var zeroEvents = events
            .Where(e => e.GetProperty("eventType").GetString() switch
            {
                "TransactionRecorded" => e.GetProperty("data").GetProperty("amount").GetDecimal() == 0m,
                "TransactionAdjusted" => e.GetProperty("data").GetProperty("newAmount").GetDecimal() == 0m,
                _ => false,
            })
            .Select(e => e.GetProperty("eventId").GetString()!)
            .ToHashSet();
        Assert.Equal(3, zeroEvents.Count);
        Assert.True(receiver.AcceptedIds.SetEquals(zeroEvents), $"received {string.Join(", ", receiver.AcceptedIds)}");
        Assert.Equal(3, receiver.Requests.Count);
        Assert.Equal("TransactionAdjusted", receiver.Accepted[1].Data.GetProperty("trigger").GetString());
        Assert.Equal(12m, receiver.Accepted[1].Data.GetProperty("previousAmount").GetDecimal());
    }

    [Fact]
    public async Task Redelivery_sends_the_same_messages_again_from_the_event_store_with_progress()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = await ReactionsTestApp.StartAsync(stack, "rx-redo", Webhook("PaymentRequests", receiver));
        var started = DateTimeOffset.UtcNow.AddSeconds(-1);
        for (var i = 1; i <= 4; i++)
        {
            Assert.Equal(HttpStatusCode.Created, (await app.RecordAsync("RX-D1", $"t{i}", i)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.Created, (await app.RecordAsync("RX-D2", "t1", 1m)).StatusCode);
        await Probe.UntilAsync(() => receiver.AcceptedIds.Count == 5, "five payment requests");
        var firstBodies = receiver.Requests.ToDictionary(r => r.Id, r => r.CloudEvent.GetRawText());

        // One invoice from version 3: versions 3 and 4 again, same ids, same bodies.
        var one = await StartAndWaitAsync(app, new { from = "RX-D1/3" });
        Assert.Equal(("completed", 2L, 2L), (one.GetProperty("state").GetString(), one.GetProperty("eventsRead").GetInt64(), one.GetProperty("messagesDelivered").GetInt64()));
        var again = receiver.Requests.Skip(5).ToList();
        Assert.Equal([3L, 4L], again.Select(r => r.InvoiceVersion));
        Assert.All(again, r => Assert.Equal(firstBodies[r.Id], r.CloudEvent.GetRawText()));

        // Every invoice since a time: all five again.
        var all = await StartAndWaitAsync(app, new { from = started.ToString("O") });
        Assert.Equal(5, all.GetProperty("messagesDelivered").GetInt64());
        Assert.Equal(12, receiver.Requests.Count);
        Assert.Equal(5, receiver.Requests.Select(r => r.Id).Distinct().Count());

        Assert.Equal(HttpStatusCode.BadRequest, (await app.Http.PostAsJsonAsync($"/reactions/{PaymentRequestsReaction.Name}/redeliveries", new { from = "yesterday" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Http.PostAsJsonAsync("/reactions/nope/redeliveries", new { from = "RX-D1/1" })).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await app.Http.PostAsJsonAsync($"/reactions/{ZeroAmountAlertsReaction.Name}/redeliveries", new { from = "RX-D1/1" })).StatusCode);
    }

    [Fact]
    public async Task Reactions_are_listed_with_their_state_and_are_not_rebuilt()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        await using var app = await ReactionsTestApp.StartAsync(stack, "rx-status", Webhook("PaymentRequests", receiver));

        var reactions = await app.Http.GetFromJsonAsync<JsonElement>("/reactions");
        var off = reactions.EnumerateArray().Single(r => r.GetProperty("name").GetString() == ZeroAmountAlertsReaction.Name);
        Assert.Equal("off", off.GetProperty("state").GetString());
        Assert.Contains("Reactions__ZeroAmountAlerts__Sink", off.GetProperty("stateDetail").GetString(), StringComparison.Ordinal);
        var on = reactions.EnumerateArray().Single(r => r.GetProperty("name").GetString() == PaymentRequestsReaction.Name);
        Assert.Equal(("on", "webhook", receiver.Url.ToString()), (on.GetProperty("state").GetString(), on.GetProperty("sink").GetString(), on.GetProperty("target").GetString()));

        // Hosted like a read model: a row in GET /projections; the off reaction is not hosted.
        var projections = await app.Http.GetFromJsonAsync<JsonElement>("/projections");
        Assert.Contains(PaymentRequestsReaction.Name, projections.EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.DoesNotContain(ZeroAmountAlertsReaction.Name, projections.EnumerateArray().Select(p => p.GetProperty("name").GetString()));
        Assert.False(projections.EnumerateArray().Single(p => p.GetProperty("name").GetString() == PaymentRequestsReaction.Name).GetProperty("rebuildable").GetBoolean());
        Assert.All(projections.EnumerateArray().Where(p => p.GetProperty("name").GetString() != PaymentRequestsReaction.Name),
            p => Assert.True(p.GetProperty("rebuildable").GetBoolean(), p.GetProperty("name").GetString()));

        var rebuild = await app.Http.PostAsync($"/projections/{PaymentRequestsReaction.Name}/rebuild", null);
        Assert.Equal(HttpStatusCode.Conflict, rebuild.StatusCode);
        Assert.Contains("redeliver", (await rebuild.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        // The engine refuses it too, whoever asks (not only the HTTP route).
        await Assert.ThrowsAsync<NotRebuildableException>(() => app.Get<RebuildEngine>().StartRebuildAsync(PaymentRequestsReaction.Name, restart: false, CancellationToken.None));
        Assert.Equal(HttpStatusCode.NotFound, (await app.Http.PostAsync("/projections/nope/rebuild", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Http.GetAsync("/reactions/nope")).StatusCode);
    }

    private static async Task<JsonElement> StartAndWaitAsync(TestApp app, object body)
    {
        var response = await app.Http.PostAsJsonAsync($"/reactions/{PaymentRequestsReaction.Name}/redeliveries", body);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var location = response.Headers.Location!.ToString();
        JsonElement run = default;
        await Probe.UntilAsync(async () => (run = await app.Http.GetFromJsonAsync<JsonElement>(location)).GetProperty("state").GetString() != "running",
            "the redelivery to finish", TimeSpan.FromSeconds(30), () => run.ToString());
        return run;
    }

    private static EventLedger.Streams.Reader.SubscriptionStatus Subscription(ProjectionHostService host, string name = PaymentRequestsReaction.Name) =>
        host.GetStatus().Single(s => s.ReadModel == name).Subscription;
}
