using System.CommandLine;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using EventLedger.Cli.Commands;
using EventLedger.Cli.Demo;
using EventLedger.IntegrationTests.Fixtures;
using EventLedger.Projections.Search;
using EventLedger.Server;
using Npgsql;

namespace EventLedger.IntegrationTests.Search;

/// <summary>
/// The seed's queries through the whole path: the sample's commands through the API, the stream, the projection host and
/// the search read model, then <c>GET /search</c> and <c>eventledger search</c>; adjustments and voids; bad queries.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class SearchApiTests(StackFixture stack) : IAsyncLifetime
{
    private TestApp _app = null!;
    private readonly Dictionary<string, long> _versions = [];

    public async Task InitializeAsync()
    {
        _app = await TestApp.StartAsync(stack, "search");
        foreach (var command in SampleInvoices.Load().Commands)
        {
            using var response = await _app.Http.SendAsync(SampleInvoices.ToRequest(command));
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            _versions[body.GetProperty("invoiceNumber").GetString()!] = body.GetProperty("version").GetInt64();
        }
    }

    public async Task DisposeAsync() => await _app.DisposeAsync();

    private async Task<JsonElement> SearchAsync(string query) =>
        await _app.Http.GetFromJsonAsync<JsonElement>($"/search?{query}&invoiceNumber=1212121&minVersion={_versions["1212121"]}&waitMs=20000");

    private static List<string> TransactionIds(JsonElement page) =>
        [.. page.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("transactionId").GetString()!)];

    [Fact]
    public async Task The_seeds_queries_answer_through_the_api()
    {
        // Transactions of one client: full text over the transaction id and the document.
        var client = await SearchAsync("q=client1");
        Assert.Equal(["Client1_trans1xxxx", "Client1_trans2xxxx"], TransactionIds(client).Order(StringComparer.Ordinal));

        // Printers with quantity >= 2, and vendors like %1%: only the one transaction with the sample's document.
        var printers = await SearchAsync("item=Printer&minQuantity=2");
        var hit = Assert.Single(printers.GetProperty("items").EnumerateArray());
        Assert.Equal("Client1_trans1xxxx", hit.GetProperty("transactionId").GetString());
        Assert.Equal("Vendor1 Inc", hit.GetProperty("document").GetProperty("Vendor Name").GetString());
        Assert.Equal(100m, hit.GetProperty("amount").GetDecimal());
        Assert.Equal("2016-06-06", hit.GetProperty("invoiceDate").GetString());
        Assert.Equal("live", hit.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, hit.GetProperty("score").ValueKind);
        Assert.Equal(JsonValueKind.Null, printers.GetProperty("next").ValueKind);
        Assert.Equal(["Client1_trans1xxxx"], TransactionIds(await SearchAsync("vendor=1")));
        Assert.Empty(TransactionIds(await SearchAsync("item=printer&minQuantity=3")));
    }

    [Fact]
    public async Task The_api_and_the_hosted_read_model_share_one_document_store_per_version()
    {
        await SearchAsync("q=client1"); // the API has used its stores
        var declared = _app.Get<DeclaredReadModels>().All.OfType<InvoiceSearchReadModel>().Single();
        var hosted = declared.StoresFor(_app.Get<NpgsqlDataSource>(), _app.Settings.TablePrefix);
        var api = _app.Get<InvoiceSearchStores>();
        Assert.Same(hosted, api);
        Assert.Same(hosted.For(InvoiceSearchProjection.CurrentSchemaVersion).Documents, api.For(InvoiceSearchProjection.CurrentSchemaVersion).Documents);
    }

    [Fact]
    public async Task Adjusted_and_voided_transactions_stay_current_and_a_voided_one_is_found_only_when_asked()
    {
        var adjust = await _app.Http.PutAsync("/invoices/1212121/transactions/Client1_trans1xxxx",
            new StringContent("""{"amount": 150}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, adjust.StatusCode);
        var voided = await _app.Http.DeleteAsync("/invoices/1212121/transactions/Client1_trans2xxxx");
        Assert.Equal(HttpStatusCode.OK, voided.StatusCode);
        var version = (await voided.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt64();

        var live = await _app.Http.GetFromJsonAsync<JsonElement>($"/search?q=client1&invoiceNumber=1212121&minVersion={version}&waitMs=20000");
        var hit = Assert.Single(live.GetProperty("items").EnumerateArray());
        Assert.Equal(150m, hit.GetProperty("amount").GetDecimal());
        Assert.Equal("Vendor1 Inc", hit.GetProperty("document").GetProperty("Vendor Name").GetString()); // kept across the adjustment

        var gone = await _app.Http.GetFromJsonAsync<JsonElement>("/search?q=client1&invoiceNumber=1212121&status=voided");
        Assert.Equal(["Client1_trans2xxxx"], TransactionIds(gone));
    }

    [Theory]
    [InlineData("q=%22unbalanced", "q")]
    [InlineData("q=", "q")]
    [InlineData("q=%20%20", "q")]
    [InlineData("limit=501", "limit")]
    [InlineData("limit=0", "limit")]
    [InlineData("item=printer&minQuantity=two", "minQuantity")]
    [InlineData("minQuantity=2", "minQuantity")]
    [InlineData("vendor=-", "vendor")]
    [InlineData("from=06062016", "from")]
    [InlineData("status=deleted", "status")]
    [InlineData("cursor=bm90LWEtY3Vyc29y", "cursor")]
    [InlineData("minVersion=3", "invoiceNumber")]
    public async Task A_bad_query_is_a_400_naming_the_parameter(string query, string parameter)
    {
        var response = await _app.Http.GetAsync($"/search?{query}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _), problem.ToString());
        Assert.Contains(parameter, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_cli_prints_the_search_as_a_table_and_a_bad_query_exits_non_zero()
    {
        await SearchAsync("item=printer"); // caught up
        var url = _app.Http.BaseAddress!.ToString();

        var (exit, output, _) = await RunAsync("search", "--url", url, "--item", "printer", "--min-quantity", "2");
        Assert.Equal(0, exit);
        Assert.Contains("Client1_trans1xxxx", output, StringComparison.Ordinal);
        Assert.Contains("Vendor1 Inc", output, StringComparison.Ordinal);
        Assert.Contains("printer×2", output, StringComparison.Ordinal);
        Assert.Contains("1 result(s)", output, StringComparison.Ordinal);

        var (badExit, _, errors) = await RunAsync("search", "\"unbalanced", "--url", url);
        Assert.NotEqual(0, badExit);
        Assert.Contains("q has an unbalanced quote", errors, StringComparison.Ordinal);
    }

    private static async Task<(int Exit, string Output, string Errors)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var errors = new StringWriter();
        var exit = await new RootCommand { SearchCommand.Create() }.Parse(args)
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = errors });
        return (exit, output.ToString(), errors.ToString());
    }
}
