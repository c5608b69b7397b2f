using EventLedger.Projections.Search;

namespace EventLedger.Projections.Tests.Search;

public class InvoiceSearchQueryParseTests
{
    private static (InvoiceSearchQuery? Query, Dictionary<string, string[]> Errors) Parse(
        string? q = null, string? vendor = null, string? item = null, string? minQuantity = null, string? maxQuantity = null,
        string? country = null, string? currency = null, string? invoiceNumber = null, string? from = null, string? to = null,
        string? status = null, string? limit = null, string? cursor = null) =>
        InvoiceSearchQuery.Parse(q, vendor, item, minQuantity, maxQuantity, country, currency, invoiceNumber, from, to, status, limit, cursor);

    [Fact]
    public void Nothing_given_is_every_live_transaction_fifty_at_a_time()
    {
        var (query, errors) = Parse();

        Assert.Empty(errors);
        Assert.Equal(new InvoiceSearchQuery(), query);
        Assert.Equal(("live", 50), (query!.Status, query.Limit));
    }

    [Fact]
    public void Values_are_normalised_where_case_does_not_matter()
    {
        var (query, errors) = Parse(q: "printer -desktop \"Vendor1 Inc\"", item: " Printer ", minQuantity: "2", currency: "usd", limit: "500");

        Assert.Empty(errors);
        Assert.Equal(("printer", 2m, "USD", 500), (query!.Item, query.MinQuantity, query.Currency, query.Limit));
        Assert.Equal("printer -desktop \"Vendor1 Inc\"", query.Text);
    }

    [Theory]
    [InlineData("q", "\"Vendor1 Inc")]
    [InlineData("q", "")]
    [InlineData("q", "   ")]
    [InlineData("q", "-- \"\" !")]
    [InlineData("vendor", "")]
    [InlineData("vendor", "-_-")]
    [InlineData("limit", "0")]
    [InlineData("limit", "501")]
    [InlineData("limit", "ten")]
    [InlineData("minQuantity", "two")]
    [InlineData("maxQuantity", "NaN")]
    [InlineData("currency", "US")]
    [InlineData("invoiceNumber", "a/b")]
    [InlineData("from", "2016-13-01")]
    [InlineData("status", "deleted")]
    [InlineData("cursor", "%%%")]
    public void A_bad_value_is_an_error_naming_its_parameter(string parameter, string value)
    {
        var (query, errors) = parameter switch
        {
            "q" => Parse(q: value),
            "vendor" => Parse(vendor: value),
            "limit" => Parse(limit: value),
            "minQuantity" => Parse(item: "printer", minQuantity: value),
            "maxQuantity" => Parse(item: "printer", maxQuantity: value),
            "currency" => Parse(currency: value),
            "invoiceNumber" => Parse(invoiceNumber: value),
            "from" => Parse(from: value),
            "status" => Parse(status: value),
            _ => Parse(cursor: value),
        };

        Assert.Null(query);
        Assert.Equal([parameter], errors.Keys);
    }

    [Fact]
    public void Ranges_must_be_the_right_way_round_and_a_quantity_needs_its_item()
    {
        Assert.Equal(["maxQuantity"], Parse(item: "printer", minQuantity: "3", maxQuantity: "2").Errors.Keys);
        Assert.Equal(["to"], Parse(from: "2016-06-07", to: "2016-06-06").Errors.Keys);
        Assert.Equal(["minQuantity"], Parse(minQuantity: "2").Errors.Keys);
    }

    [Fact]
    public void A_cursor_round_trips_and_belongs_to_ranked_or_unranked_searches()
    {
        var ranked = new InvoiceSearchCursor("inv/a", 0.0607927f).Encode();
        var plain = new InvoiceSearchCursor("inv/a", null).Encode();

        Assert.Equal(new InvoiceSearchCursor("inv/a", 0.0607927f), Parse(q: "printer", cursor: ranked).Query!.Cursor);
        Assert.Equal(new InvoiceSearchCursor("inv/a", null), Parse(cursor: plain).Query!.Cursor);
        Assert.Equal(["cursor"], Parse(cursor: ranked).Errors.Keys);
        Assert.Equal(["cursor"], Parse(q: "printer", cursor: plain).Errors.Keys);
    }
}
