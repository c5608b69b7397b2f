using EventLedger.IntegrationTests.Fixtures;
using EventLedger.Projections.Contracts;
using EventLedger.Projections.Search;
using Npgsql;

namespace EventLedger.IntegrationTests.Search;

/// <summary>
/// The seed's queries and the other filters against the real PostgreSQL, each checked against a plain LINQ filter over the
/// transactions the test sent (<see cref="SearchTestData"/>), across pages.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class InvoiceSearchQueryTests(StackFixture fixture) : SearchTestBase(fixture)
{
    private IReadOnlyDictionary<string, SentTransaction> _sent = null!;

    private InvoiceSearchQueries Queries => new(Store);

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        var (events, sent) = SearchTestData.Generate(seed: 7, transactions: 400);
        _sent = sent;
        var projection = new InvoiceSearchProjection(Store);
        var i = 0;
        foreach (var chunk in events.Chunk(50))
        {
            await projection.ApplyAsync(new ProjectionBatch(chunk, new StreamPosition("invoice-search-v1", "shard-1", $"{++i:D21}")), default);
        }
    }

    private IEnumerable<SentTransaction> Live => _sent.Values.Where(t => t.Status == "live");

    private static List<string> Ids(IEnumerable<SentTransaction> sent) => [.. sent.Select(t => t.Id).Order(StringComparer.Ordinal)];

    private static List<string> Ids(IEnumerable<InvoiceSearchHit> hits) => [.. hits.Select(h => $"{h.InvoiceNumber}/{h.TransactionId}")];

    [Fact]
    public async Task Transactions_of_one_client_are_found_by_full_text_over_the_transaction_id()
    {
        var hits = await AllPagesAsync(Queries, new InvoiceSearchQuery(Text: "client1", Limit: 9));

        Assert.Equal(Ids(Live.Where(t => t.TransactionId.StartsWith("Client1_", StringComparison.Ordinal))), Ids(hits).Order(StringComparer.Ordinal));
        Assert.Contains(hits, h => h.TransactionId == "Client1_trans1xxxx" && h.InvoiceNumber == "1212121");
        Assert.All(hits, h => Assert.True(h.Score > 0));
        Assert.Equal(hits.Select(h => h.Score).OrderByDescending(s => s), hits.Select(h => h.Score)); // ranked
    }

    [Fact]
    public async Task Printers_with_quantity_two_or_more_match_the_item_lines_sent()
    {
        var hits = await AllPagesAsync(Queries, new InvoiceSearchQuery(Item: "printer", MinQuantity: 2, Limit: 10));

        var expected = Ids(Live.Where(t => t.Items.Any(i => i.Name == "printer" && i.Quantity >= 2)));
        Assert.Equal(expected, Ids(hits));
        Assert.Contains("1212121/Client1_trans1xxxx", expected);
        Assert.True(expected.Count > 10, "the workload should need several pages");
    }

    [Fact]
    public async Task Item_with_a_quantity_range_and_other_fields()
    {
        var hits = await AllPagesAsync(Queries, new InvoiceSearchQuery(Item: "desktops", MinQuantity: 1, MaxQuantity: 2, Country: "USA", Limit: 500));

        Assert.Equal(Ids(Live.Where(t => t.Country == "USA" && t.Items.Any(i => i.Name == "desktops" && i.Quantity is >= 1 and <= 2))), Ids(hits));
    }

    [Fact]
    public async Task Vendors_like_percent_1_percent_are_a_case_insensitive_substring()
    {
        var hits = await AllPagesAsync(Queries, new InvoiceSearchQuery(Vendor: "1", Limit: 25));

        var expected = Ids(Live.Where(t => t.Vendor is not null && t.Vendor.Contains('1', StringComparison.Ordinal)));
        Assert.Equal(expected, Ids(hits));
        Assert.Contains("1212121/Client1_trans1xxxx", expected);

        var inc = await AllPagesAsync(Queries, new InvoiceSearchQuery(Vendor: "R1 i", Limit: 500));
        Assert.Equal(Ids(Live.Where(t => t.Vendor?.Contains("r1 i", StringComparison.OrdinalIgnoreCase) == true)), Ids(inc));
    }

    [Fact]
    public async Task Voided_transactions_are_found_only_when_asked()
    {
        var voided = await AllPagesAsync(Queries, new InvoiceSearchQuery(Status: InvoiceSearchStatus.Voided, Limit: 500));
        var all = await AllPagesAsync(Queries, new InvoiceSearchQuery(Status: InvoiceSearchQuery.AllStatuses, Limit: 500));
        var live = await AllPagesAsync(Queries, new InvoiceSearchQuery(Limit: 500));

        Assert.Equal(Ids(_sent.Values.Where(t => t.Status == "voided")), Ids(voided));
        Assert.NotEmpty(voided);
        Assert.Equal(Ids(_sent.Values), Ids(all));
        Assert.Equal(Ids(Live), Ids(live));
        Assert.All(live, h => Assert.Equal(_sent[$"{h.InvoiceNumber}/{h.TransactionId}"].Amount, h.Amount)); // adjustments applied
    }

    [Fact]
    public async Task Web_search_syntax_combines_with_fields_and_excludes_words()
    {
        var hits = await AllPagesAsync(Queries, new InvoiceSearchQuery(Text: "printer -desktops \"Vendor1 Inc\"", Limit: 500));

        Assert.Equal(
            Ids(Live.Where(t => t.Vendor == "Vendor1 Inc" && t.Items.Any(i => i.Name == "printer") && t.Items.All(i => i.Name != "desktops"))),
            Ids(hits).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Invoice_number_and_dates_filter_and_the_applied_version_is_the_last_transaction_event()
    {
        var hits = await AllPagesAsync(Queries, new InvoiceSearchQuery(InvoiceNumber: "1212121", From: new DateOnly(2016, 6, 6), To: new DateOnly(2016, 6, 6)));

        Assert.Equal(["1212121/Client1_trans1xxxx", "1212121/Client1_trans2xxxx", "1212121/Client2_trans1xxxx"], Ids(hits));
        Assert.Empty((await Queries.SearchAsync(new InvoiceSearchQuery(InvoiceNumber: "1212121", From: new DateOnly(2016, 6, 7)))).Items);
        Assert.Equal(4, await Queries.AppliedVersionAsync("1212121"));
        Assert.Equal(0, await Queries.AppliedVersionAsync("no-such-invoice"));
    }

    [Fact]
    public async Task Hostile_input_is_only_ever_data()
    {
        foreach (var text in new[] { "'); drop table x; --", "english') || ('", "a & b | !c <-> d:*" })
        {
            var (query, errors) = InvoiceSearchQuery.Parse(text, "1%_\\'", "printer'--", null, null, "USA' or '1'='1", null, null, null, null, null, null, null);
            Assert.Empty(errors);
            Assert.Empty((await Queries.SearchAsync(query!)).Items);
        }

        Assert.Equal(Live.Count(), (await AllPagesAsync(Queries, new InvoiceSearchQuery(Limit: 500))).Count);
    }

    [Theory]
    [InlineData("q", "printer")]
    [InlineData("vendor", "1")]
    [InlineData("item", "printer")]
    public async Task Each_search_is_served_by_its_index(string parameter, string value)
    {
        var query = parameter switch
        {
            "q" => new InvoiceSearchQuery(Text: value, Status: InvoiceSearchQuery.AllStatuses),
            "vendor" => new InvoiceSearchQuery(Vendor: value, Status: InvoiceSearchQuery.AllStatuses),
            _ => new InvoiceSearchQuery(Item: value, MinQuantity: 2, Status: InvoiceSearchQuery.AllStatuses),
        };
        var index = parameter switch
        {
            "q" => "idx_fts",
            "vendor" => "idx_ngram_vendor",
            _ => "idx_item_names",
        };

        // With sequential and plain index scans priced out (a few hundred rows would otherwise be scanned, or walked in id
        // order), the plan shows whether the
        // predicate matches an index's expression at all: a mismatch leaves a scan of the whole table.
        await using var connection = await DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var off = new NpgsqlCommand("set local enable_seqscan = off; set local enable_indexscan = off", connection, transaction)) await off.ExecuteNonQueryAsync();
        await using var explain = new NpgsqlCommand { Connection = connection, Transaction = transaction };
        explain.CommandText = "explain " + Queries.Sql(query, explain.Parameters);
        var plan = new List<string>();
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync()) plan.Add(reader.GetString(0));
        }

        Assert.Contains(plan, line => line.Contains(index, StringComparison.Ordinal));
    }
}
