using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using EventLedger.Api.Security;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.IntegrationTests.ProjectionHost;
using EventLedger.IntegrationTests.Rebuild;
using EventLedger.Projections.Tests.Support;
using EventLedger.Projections;
using EventLedger.Projections.Reactions.ZeroAmountAlerts;
using EventLedger.Projections.Search;

namespace EventLedger.IntegrationTests.OperatorConsole;

/// <summary>
/// The operator console in a real headless chromium against the real server: signing in with the link of
/// <c>eventledger console</c>, the live read-model table, a rebuild and a dead-letter retry done with clicks, an invoice lookup.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ConsoleBrowserTests(StackFixture stack, ConsoleFixture console) : IClassFixture<ConsoleFixture>, IAsyncLifetime
{
    private ConsolePage Page => new(console.Browser.Driver);
    private HttpClient Http => console.App.Http;

    public Task InitializeAsync() => console.StartAsync(stack);

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task The_console_link_signs_in_and_the_page_lists_every_read_model_updated_live()
    {
        Assert.StartsWith(new Uri(Http.BaseAddress!, "/console#token=").ToString(), console.SignInLink, StringComparison.Ordinal);
        var page = await OpenSignedInAsync();
        Assert.Equal("", page.Script<string>("return location.hash;"));
        Assert.StartsWith("console:", page.Text("#identity"), StringComparison.Ordinal);

        var served = (await Http.GetFromJsonAsync<JsonElement>("/projections")).EnumerateArray().Select(m => m.GetProperty("name").GetString()!).Order().ToList();
        // Every consumer the host runs: the declared read models, invoice-search (Marten) and a reaction with a sink.
        Assert.Superset(new HashSet<string>([.. ReadModelCatalog.All.Select(r => r.Name), FaultyReadModel.Name, InvoiceSearchProjection.ProjectionName, ZeroAmountAlertsReaction.Name]),
            new HashSet<string>(served));
        await page.UntilAsync(() => page.ReadModelNames().Order().SequenceEqual(served), $"the page to list {string.Join(", ", served)}");

        // Live: a transaction recorded now shows in the applied count, in the same document (no reload).
        page.Script<object?>("window.consoleTestMarker = 'same document'; return null;");
        var before = Applied(page, "invoice-transactions");
        await Record("LIVE-1", "t1", 5m);
        await page.UntilAsync(() => Applied(page, "invoice-transactions") > before, $"invoice-transactions' applied count to rise above {before} on the page");
        Assert.Equal("same document", page.Script<string>("return window.consoleTestMarker;"));
        Assert.Equal("live", page.Text("#connection"));
        Assert.Contains("owner", page.Field("invoice-transactions", "shards"), StringComparison.Ordinal);

        // A reaction's row: listed like a read model, but never rebuilt (the server refuses it), so it offers no Rebuild and
        // says how to send its messages again; a read model's row keeps its Rebuild button.
        var reactionRebuild = $"#read-model-rows tr[data-read-model='{ZeroAmountAlertsReaction.Name}'] button[data-action='rebuild']";
        await page.UntilAsync(() => page.Field(ZeroAmountAlertsReaction.Name, "rebuild").Contains("not rebuilt", StringComparison.Ordinal),
            "the reaction's row to say it is not rebuilt");
        Assert.False(page.Visible(reactionRebuild), "the reaction's row offers a Rebuild button");
        Assert.Contains("reactions redeliver", page.Field(ZeroAmountAlertsReaction.Name, "rebuild"), StringComparison.Ordinal);
        Assert.True(page.Visible("#read-model-rows tr[data-read-model='invoice-transactions'] button[data-action='rebuild']"), "invoice-transactions offers no Rebuild button");
    }

    [Fact]
    public async Task A_rebuild_started_from_the_page_reaches_100_percent_on_its_bar_and_the_live_version_changes()
    {
        const string readModel = "invoice-totals";
        for (var i = 0; i < 5; i++)
        {
            await Record($"REBUILD-{i}", "t1", 10m + i);
        }

        var live = LiveVersion((await Http.GetFromJsonAsync<JsonElement>("/projections")).EnumerateArray().Single(m => m.GetProperty("name").GetString() == readModel));
        var page = await OpenSignedInAsync();
        await page.UntilAsync(() => page.Field(readModel, "liveVersion") == $"v{live}", $"the page to show {readModel} live at v{live}");

        // Every value the bar takes, to check it only ever moves forward.
        page.Script<object?>("""
            window.rebuildPercents = [];
            const bar = document.querySelector(`#read-model-rows tr[data-read-model='${arguments[0]}'] [role=progressbar]`);
            new MutationObserver(() => window.rebuildPercents.push(bar.getAttribute('aria-valuenow'))).observe(bar, { attributes: true, attributeFilter: ['aria-valuenow'] });
            return null;
            """, readModel);
        page.Click($"#read-model-rows tr[data-read-model='{readModel}'] button[data-action='rebuild']");

        await page.UntilAsync(() => page.RebuildPercent(readModel) == "100", $"the rebuild bar of {readModel} to reach 100%", TimeSpan.FromSeconds(90));
        await page.UntilAsync(() => page.Field(readModel, "liveVersion") == $"v{live + 1}", $"the page to show {readModel} live at v{live + 1}");
        Assert.Contains($"v{live + 1} completed", page.Field(readModel, "rebuild"), StringComparison.Ordinal);
        Assert.Contains($"Started a rebuild of {readModel}", page.Text("#messages"), StringComparison.Ordinal);

        var percents = page.Script<string>("return JSON.stringify(window.rebuildPercents.filter(p => p !== null).map(Number));");
        var values = JsonSerializer.Deserialize<List<int>>(percents)!;
        Assert.Equal(100, values[^1]);
        Assert.True(values.Zip(values.Skip(1)).All(p => p.First <= p.Second), $"the bar went backwards: {percents}");

        var rebuild = await Http.GetFromJsonAsync<JsonElement>($"/projections/{readModel}/rebuild");
        Assert.Equal("completed", rebuild.GetProperty("state").GetString());
        Assert.Equal(live + 1, rebuild.GetProperty("liveVersion").GetInt32());
    }

    [Fact]
    public async Task A_rebuild_part_way_shows_its_progress_rate_and_eta_and_is_cancelled_from_the_page()
    {
        const string readModel = PacedRebuild.ReadModelName;
        var log = new EventLog();
        for (var i = 0; i < 300; i++)
        {
            log.On($"PACED-{i:D3}").Record("t1", i, "USA");
        }

        await RebuildHarness.SeedAsync(stack.DynamoDb, console.TablePrefix, log.Events);
        var page = await OpenSignedInAsync();
        var row = $"#read-model-rows tr[data-read-model='{readModel}']";
        page.Click($"{row} button[data-action='rebuild']");

        await page.UntilAsync(() => console.Paced.Holding && page.RebuildPercent(readModel) is { } p && int.Parse(p, CultureInfo.InvariantCulture) > 0
                && page.Text($"{row} .rebuild-detail").Contains("ETA", StringComparison.Ordinal),
            $"the page to show {readModel}'s rebuild part-way, with an ETA", TimeSpan.FromSeconds(60));
        Assert.InRange(int.Parse(page.RebuildPercent(readModel)!, CultureInfo.InvariantCulture), 1, 99);
        var detail = page.Text($"{row} .rebuild-detail");
        Assert.Matches(@"^[\d,]+ / [\d,]+ events · [\d,]+ events/s · ETA \d+", detail);
        Assert.Contains("running · bulk-load", page.Text($"{row} .rebuild-label"), StringComparison.Ordinal);
        Assert.True(page.Visible($"{row} button[data-action='cancel']"));
        Assert.Equal("true", page.Script<string>("return String(document.querySelector(arguments[0]).disabled);", $"{row} button[data-action='rebuild']"));

        if (ConsoleScreenshot.RequestedPath is { } screenshot)
        {
            // For the README's picture: a dead letter in the list too.
            console.Faulty.Projection!.Failing = true;
            await Record("POISON-README", "t1", 12.5m);
            await page.UntilAsync(() => page.DeadLetterInvoices().Contains("POISON-README"), "the parked POISON-README on the page", TimeSpan.FromSeconds(60));
            ConsoleScreenshot.Save(console.Browser.Driver, screenshot);
        }

        page.Click($"{row} button[data-action='cancel']");
        await page.UntilAsync(() => page.Text($"{row} .rebuild-label").Contains("cancelled", StringComparison.Ordinal), $"the page to show {readModel}'s rebuild cancelled");
        Assert.False(page.Visible($"{row} button[data-action='cancel']"));
        Assert.True(page.Visible($"{row} button[data-action='restart']"));
        Assert.Equal("Resume", page.Text($"{row} button[data-action='rebuild']"));
        Assert.Contains($"Cancelled the rebuild of {readModel}", page.Text("#messages"), StringComparison.Ordinal);
        Assert.Equal("cancelled", (await Http.GetFromJsonAsync<JsonElement>($"/projections/{readModel}/rebuild")).GetProperty("state").GetString());
    }

    [Fact]
    public async Task A_dead_letter_inspected_and_retried_from_the_page_disappears()
    {
        var page = await OpenSignedInAsync();
        await Probe.UntilAsync(() => console.Faulty.Projection is not null, "the faulty read model to start");
        console.Faulty.Projection!.Failing = true;
        await Record("POISON-1", "t1", 42m);

        await page.UntilAsync(() => page.DeadLetterInvoices().Contains("POISON-1"), "the parked POISON-1 to appear among the page's dead letters", TimeSpan.FromSeconds(60));
        var id = page.Script<string>("return [...document.querySelectorAll('#dead-letter-rows tr')].find(r => r.children[1].textContent === 'POISON-1').dataset.deadLetterId;");
        var row = $"#dead-letter-rows tr[data-dead-letter-id='{id}']";

        page.Click($"{row} button[data-action='inspect']");
        await page.UntilAsync(() => page.Text("#dead-letter-detail pre.json").Contains("POISON-1", StringComparison.Ordinal), "the inspected record's event to load");
        Assert.Contains("poison event POISON-1", page.Text("#dead-letter-detail [data-field='error']"), StringComparison.Ordinal);

        console.Faulty.Projection.Failing = false;
        page.Click($"{row} button[data-action='retry']");
        await page.UntilAsync(() => !page.DeadLetterInvoices().Contains("POISON-1"), "the retried dead letter to disappear from the page");
        Assert.Contains("Applied POISON-1", page.Text("#messages"), StringComparison.Ordinal);
        Assert.False(page.Visible("#dead-letter-detail"));

        var parked = (await Http.GetFromJsonAsync<JsonElement>("/dead-letters")).GetProperty("items").EnumerateArray();
        Assert.DoesNotContain(parked, d => d.GetProperty("id").GetString() == id);
        Assert.Equal(42m, (await FaultyReadModel.Queries(stack.DynamoDb, console.TablePrefix).GetAsync("POISON-1"))!.Total);
    }

    [Fact]
    public async Task Looking_up_an_invoice_shows_its_totals_countries_transactions_history_and_events()
    {
        await Record("LOOKUP-1", "t1", 100m, "USA");
        var version = await Record("LOOKUP-1", "t2", 50m, "DEU");
        foreach (var path in new[] { "", "/countries", "/transactions", "/history" })
        {
            using var caughtUp = await Http.GetAsync($"/invoices/LOOKUP-1{path}?minVersion={version}");
            caughtUp.EnsureSuccessStatusCode();
        }

        var page = await OpenSignedInAsync();
        page.Type("#invoice-number", "LOOKUP-1");
        page.Click("#invoice-form button[type='submit']");
        await page.UntilAsync(() => page.Text("#invoice-result [data-part='events']").Contains("TransactionRecorded", StringComparison.Ordinal), "the invoice's parts to load");

        Assert.Contains("150", page.Text("#invoice-result [data-part='totals']"), StringComparison.Ordinal);
        Assert.Contains("DEU", page.Text("#invoice-result [data-part='countries']"), StringComparison.Ordinal);
        var transactions = page.Text("#invoice-result [data-part='transactions']");
        Assert.Contains("t1", transactions, StringComparison.Ordinal);
        Assert.Contains("t2", transactions, StringComparison.Ordinal);
        Assert.Equal(2, page.Script<long>("return document.querySelectorAll(\"#invoice-result [data-part='history'] tbody tr\").length;"));

        page.Type("#invoice-number", "NO-SUCH-INVOICE");
        page.Click("#invoice-form button[type='submit']");
        await page.UntilAsync(() => page.Text("#invoice-result [data-field='not-found']").Contains("No invoice NO-SUCH-INVOICE", StringComparison.Ordinal), "the unknown invoice to be reported");
    }

    [Fact]
    public async Task A_refused_token_returns_to_the_sign_in_form_and_a_pasted_token_signs_in()
    {
        var page = Page;
        var foreign = new LocalTokenIssuer(LocalSigningKey.Generate(), LocalTokenIssuer.DefaultAudience, TimeProvider.System)
            .Mint("intruder", [LedgerScopes.Operate], TimeSpan.FromHours(1));
        page.Open("about:blank");
        page.Open(new Uri(Http.BaseAddress!, "/console#token=" + foreign).ToString());
        await page.UntilAsync(() => page.Visible("#sign-in") && page.Text("#sign-in-error").Contains("refused", StringComparison.Ordinal),
            "the sign-in form to say the token was refused");
        Assert.False(page.Visible("#workspace"));
        Assert.Null(page.Script<string?>("return sessionStorage.getItem('eventledger.console.token');"));

        var token = console.App.Get<LocalTokenIssuer>().Mint("pasted-operator", [LedgerScopes.Operate, LedgerScopes.Read], TimeSpan.FromHours(1));
        page.Type("#token-input", token);
        page.Click("#sign-in-form button[type='submit']");
        await page.UntilAsync(() => page.ReadModelNames().Count > 0 && page.Text("#connection") == "live", "the pasted token to sign in and the status stream to go live");
        Assert.StartsWith("pasted-operator", page.Text("#identity"), StringComparison.Ordinal);
    }

    /// <summary>A fresh load of the page through the sign-in link (about:blank first: a link that differs only in its fragment would not reload).</summary>
    private async Task<ConsolePage> OpenSignedInAsync()
    {
        var page = Page;
        page.Open("about:blank");
        page.Open(console.SignInLink);
        await page.UntilAsync(() => page.ReadModelNames().Count > 0 && page.Text("#connection") == "live", "the console to sign in and its status stream to go live");
        return page;
    }

    private static long Applied(ConsolePage page, string readModel) =>
        long.Parse(page.Field(readModel, "applied").Replace(",", "", StringComparison.Ordinal), NumberStyles.Integer, CultureInfo.InvariantCulture);

    // The API's word is liveVersion; before it, activeVersion.
    private static int LiveVersion(JsonElement model) =>
        (model.TryGetProperty("liveVersion", out var live) ? live : model.GetProperty("activeVersion")).GetInt32();

    private async Task<long> Record(string invoice, string transactionId, decimal amount, string country = "USA")
    {
        using var response = await Http.PostAsJsonAsync($"/invoices/{invoice}/transactions",
            new { transactionId, amount, currency = "USD", country, invoiceDate = "2016-06-06" });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt64();
    }
}
