using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EventLedger.IntegrationTests.Fixtures;

namespace EventLedger.IntegrationTests.Api;

/// <summary>The command side through the real HTTP API on DynamoDB Local: every status code the contract names.</summary>
[Collection(StackCollection.Name)]
public sealed class CommandApiTests(StackFixture stack) : IAsyncLifetime
{
    private TestApp _app = null!;
    private HttpClient Http => _app.Http;

    public async Task InitializeAsync() => _app = await TestApp.StartAsync(stack, "api");

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static string RecordBody(string id, string amount = "100", string currency = "USD", string country = "USA") =>
        $$"""{"transactionId":"{{id}}","amount":{{amount}},"currency":"{{currency}}","country":"{{country}}","invoiceDate":"2016-06-06"}""";

    private Task<HttpResponseMessage> Record(string invoice, string body, string? idempotencyKey = null, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/invoices/{invoice}/transactions") { Content = Json(body) };
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return Http.SendAsync(request);
    }

    private async Task<int> EventCount(string invoice)
    {
        var response = await Http.GetAsync($"/invoices/{invoice}/events");
        if (response.StatusCode == HttpStatusCode.NotFound) return 0;
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetArrayLength();
    }

    private static async Task<JsonElement> Body(HttpResponseMessage response) => await response.Content.ReadFromJsonAsync<JsonElement>();

    [Fact]
    public async Task Recording_returns_201_with_invoice_version_and_event_id()
    {
        var response = await Record("A-1", RecordBody("t1"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await Body(response);
        Assert.Equal("A-1", body.GetProperty("invoiceNumber").GetString());
        Assert.Equal(1, body.GetProperty("version").GetInt64());
        Assert.True(Guid.TryParse(body.GetProperty("eventId").GetString(), out _));
        Assert.Equal("/invoices/A-1/transactions/t1", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task A_repeated_idempotency_key_returns_the_first_response_and_writes_nothing()
    {
        var first = await Body(await Record("A-2", RecordBody("t1"), idempotencyKey: "key-a2"));
        var again = await Record("A-2", RecordBody("t1"), idempotencyKey: "key-a2");
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal(first.GetProperty("eventId").GetString(), (await Body(again)).GetProperty("eventId").GetString());
        Assert.Equal(1, await EventCount("A-2"));
    }

    [Fact]
    public async Task An_idempotency_key_reused_for_a_different_request_is_422_and_writes_nothing()
    {
        await Record("A-3", RecordBody("t1"), idempotencyKey: "key-a3");
        var response = await Record("A-3", RecordBody("t2"), idempotencyKey: "key-a3");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal(1, await EventCount("A-3"));
    }

    [Theory]
    [InlineData("""{"transactionId":"t1","amount":"100","currency":"USD","country":"USA","invoiceDate":"2016-06-06"}""", "amount")]
    [InlineData("""{"transactionId":"t1","amount":1.12345,"currency":"USD","country":"USA","invoiceDate":"2016-06-06"}""", "amount")]
    [InlineData("""{"transactionId":"t1","amount":1,"country":"USA","invoiceDate":"2016-06-06"}""", "currency")]
    [InlineData("""{"transactionId":"t1","amount":1,"currency":"dollars","country":"USA","invoiceDate":"2016-06-06"}""", "currency")]
    [InlineData("""{"transactionId":"t1","amount":1,"currency":"USD","country":"USA","invoiceDate":"06062016"}""", "invoiceDate")]
    [InlineData("""{"transactionId":"t1","amount":1,"currency":"USD","country":"USA"}""", "invoiceDate")]
    [InlineData("""{"amount":1,"currency":"USD","country":"USA","invoiceDate":"2016-06-06"}""", "transactionId")]
    [InlineData("""{"transactionId":"has space","amount":1,"currency":"USD","country":"USA","invoiceDate":"2016-06-06"}""", "transactionId")]
    [InlineData("""{"transactionId":"t1","amount":1,"currency":"USD","country":"","invoiceDate":"2016-06-06"}""", "country")]
    [InlineData("""{"transactionId":"t1","amount":1,"currency":"USD","country":"USA","invoiceDate":"2016-06-06","document":"text"}""", "document")]
    [InlineData("""not json""", "body")]
    [InlineData("""[1,2]""", "body")]
    public async Task Invalid_input_is_400_naming_the_field_and_writes_nothing(string body, string field)
    {
        var response = await Record("BAD-1", body);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType!.MediaType);
        var problem = await Body(response);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"expected an error for '{field}' in {problem}");
        Assert.Equal(0, await EventCount("BAD-1"));
    }

    [Fact]
    public async Task Unreadable_fields_headers_and_rule_errors_are_named_together_in_one_400()
    {
        // "amount" cannot be read (a string), If-Match cannot be read, and the transaction id that was read breaks a rule.
        var response = await Record("BAD-2", """{"transactionId":"has space","amount":"100","currency":"USD","country":"USA","invoiceDate":"2016-06-06"}""", ifMatch: "\"v1\"");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await Body(response)).GetProperty("errors");
        Assert.Equal(["If-Match", "amount", "transactionId"], errors.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));

        var voided = new HttpRequestMessage(HttpMethod.Delete, "/invoices/BAD-2/transactions/t1");
        voided.Headers.TryAddWithoutValidation("If-Match", "\"v1\"");
        var voidResponse = await Http.SendAsync(voided);
        Assert.Equal(HttpStatusCode.BadRequest, voidResponse.StatusCode);
        Assert.True((await Body(voidResponse)).GetProperty("errors").TryGetProperty("If-Match", out _));
        Assert.Equal(0, await EventCount("BAD-2"));
    }

    [Fact]
    public async Task A_malformed_invoice_number_is_400()
    {
        var response = await Record("bad%20invoice", RecordBody("t1"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await Body(response)).GetProperty("errors").TryGetProperty("invoiceNumber", out _));
    }

    [Fact]
    public async Task A_duplicate_transaction_id_is_409_and_a_second_currency_is_409()
    {
        await Record("A-4", RecordBody("t1"));
        var duplicate = await Record("A-4", RecordBody("t1", amount: "5"));
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal("transaction-exists", (await Body(duplicate)).GetProperty("code").GetString());

        var currency = await Record("A-4", RecordBody("t2", currency: "EUR"));
        Assert.Equal(HttpStatusCode.Conflict, currency.StatusCode);
        Assert.Equal("currency-mismatch", (await Body(currency)).GetProperty("code").GetString());
        Assert.Equal(1, await EventCount("A-4"));
    }

    [Fact]
    public async Task Adjusting_or_voiding_an_unknown_transaction_is_404_and_a_voided_one_409()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await Http.PutAsync("/invoices/A-5/transactions/nope", Json("""{"amount":1}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.DeleteAsync("/invoices/A-5/transactions/nope")).StatusCode);

        await Record("A-5", RecordBody("t1"));
        var adjusted = await Http.PutAsync("/invoices/A-5/transactions/t1", Json("""{"amount":80.5,"reason":"discount"}"""));
        Assert.Equal(HttpStatusCode.OK, adjusted.StatusCode);
        Assert.Equal(2, (await Body(adjusted)).GetProperty("version").GetInt64());
        Assert.Equal(HttpStatusCode.OK, (await Http.DeleteAsync("/invoices/A-5/transactions/t1")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await Http.DeleteAsync("/invoices/A-5/transactions/t1")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await Http.PutAsync("/invoices/A-5/transactions/t1", Json("""{"amount":1}"""))).StatusCode);
        Assert.Equal(3, await EventCount("A-5"));
    }

    [Fact]
    public async Task A_stale_if_match_is_412_a_current_one_succeeds_and_a_malformed_one_is_400()
    {
        await Record("A-6", RecordBody("t1"));
        var stale = await Record("A-6", RecordBody("t2"), ifMatch: "\"0\"");
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale.StatusCode);
        var current = await Record("A-6", RecordBody("t2"), ifMatch: "\"1\"");
        Assert.Equal(HttpStatusCode.Created, current.StatusCode);
        Assert.Equal("\"2\"", current.Headers.ETag!.Tag);
        Assert.Equal(HttpStatusCode.BadRequest, (await Record("A-6", RecordBody("t3"), ifMatch: "\"v2\"")).StatusCode);
        Assert.Equal(2, await EventCount("A-6"));
    }

    [Fact]
    public async Task Concurrent_requests_with_the_same_if_match_have_one_winner_and_the_rest_get_412()
    {
        await Record("A-7", RecordBody("seed"));
        var responses = await Task.WhenAll(Enumerable.Range(1, 16).Select(i => Record("A-7", RecordBody($"c{i}"), ifMatch: "\"1\"")));
        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.Created), r => Assert.Equal(HttpStatusCode.PreconditionFailed, r.StatusCode));
        Assert.Equal(2, await EventCount("A-7"));
    }

    [Fact]
    public async Task Concurrent_requests_without_if_match_all_land_with_versions_without_gaps()
    {
        var responses = await Task.WhenAll(Enumerable.Range(1, 16).Select(i => Record("A-8", RecordBody($"c{i}"))));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        var versions = await Task.WhenAll(responses.Select(async r => (await Body(r)).GetProperty("version").GetInt64()));
        Assert.Equal(Enumerable.Range(1, 16).Select(v => (long)v), versions.Order());
    }

    [Fact]
    public async Task A_document_over_the_item_limit_is_413_and_writes_nothing()
    {
        var document = JsonSerializer.Serialize(new { blob = new string('x', 420 * 1024) });
        var body = $$"""{"transactionId":"t1","amount":1,"currency":"USD","country":"USA","invoiceDate":"2016-06-06","document":{{document}}}""";
        var response = await Record("A-9", body);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("400 KB", (await Body(response)).GetProperty("detail").GetString());
        Assert.Equal(0, await EventCount("A-9"));
    }

    [Fact]
    public async Task Verifiers_are_assigned_and_unassigned_and_unassigning_none_is_404()
    {
        var assigned = await Http.PutAsync("/invoices/A-10/countries/USA/verifier", Json("""{"verifier":"admin@com"}"""));
        Assert.Equal(HttpStatusCode.OK, assigned.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await Http.PutAsync("/invoices/A-10/countries/USA/verifier", Json("""{"verifier":"admin@com"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Http.PutAsync("/invoices/A-10/countries/USA/verifier", Json("""{}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Http.DeleteAsync("/invoices/A-10/countries/USA/verifier")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Http.DeleteAsync("/invoices/A-10/countries/USA/verifier")).StatusCode);
        Assert.Equal(2, await EventCount("A-10"));
    }

    [Fact]
    public async Task Events_are_returned_in_version_order_and_an_unknown_invoice_is_404()
    {
        await Http.PutAsync("/invoices/A-11/countries/USA/verifier", Json("""{"verifier":"admin@com"}"""));
        await Record("A-11", RecordBody("t1"));
        var events = await Http.GetFromJsonAsync<JsonElement>("/invoices/A-11/events");
        Assert.Equal([1L, 2L], events.EnumerateArray().Select(e => e.GetProperty("version").GetInt64()));
        Assert.Equal("VerifierAssigned", events[0].GetProperty("eventType").GetString());
        Assert.Equal("admin@com", events[1].GetProperty("data").GetProperty("verifier").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync("/invoices/NOPE-0/events")).StatusCode);
    }

    [Fact]
    public async Task Min_version_is_met_by_a_read_model_that_the_later_events_do_not_touch()
    {
        await Record("A-12", RecordBody("t1"));
        var assigned = await Http.PutAsync("/invoices/A-12/countries/USA/verifier", Json("""{"verifier":"v@x"}"""));
        var version = (await Body(assigned)).GetProperty("version").GetInt64();
        Assert.Equal(2, version);

        // Version 2 (a verifier change) never reaches invoice-transactions, whose rows stay at version 1.
        var rows = await Http.GetAsync($"/invoices/A-12/transactions?minVersion={version}&waitMs=20000");
        Assert.Equal(HttpStatusCode.OK, rows.StatusCode);
        Assert.Equal(1, (await Body(rows))[0].GetProperty("version").GetInt64());

        // A version that does not exist is never met: bounded wait, then 503.
        var future = await Http.GetAsync("/invoices/A-12/transactions?minVersion=99&waitMs=300");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, future.StatusCode);
    }
}
