using System.Globalization;
using EventLedger.Domain.Invoices;

namespace EventLedger.Domain.Tests.Invoices;

/// <summary>The input rules the validation behavior applies, once, before a command is decided.</summary>
public class InvoiceRulesTests
{
    private static readonly DateOnly Day = new(2016, 6, 6);

    private static RecordTransaction Record(string id, decimal amount, string currency = "USD", string invoice = "INV-1") =>
        new(invoice, id, amount, currency, "USA", Day, null);

    [Theory]
    [InlineData("1.12345")]
    [InlineData("0.00001")]
    public void More_than_four_decimal_places_is_invalid(string amount) =>
        Assert.Contains(InvoiceRules.Check(Record("t1", decimal.Parse(amount, CultureInfo.InvariantCulture))), e => e.Field == "amount");

    [Fact]
    public void Trailing_zeros_beyond_four_places_are_not_extra_precision() =>
        Assert.Empty(InvoiceRules.Check(Record("t1", 1.10000m)));

    [Theory]
    [InlineData("usd")]
    [InlineData("US")]
    [InlineData("")]
    public void A_malformed_currency_is_invalid(string currency)
    {
        var errors = InvoiceRules.Check(Record("t1", 1m, currency: currency));
        Assert.Contains(errors, e => e.Field == "currency");
    }

    [Theory]
    [InlineData("")]
    [InlineData("bad id with spaces")]
    [InlineData("-leading-dash")]
    public void A_malformed_invoice_number_is_invalid(string invoice) =>
        Assert.Contains(InvoiceRules.Check(Record("t1", 1m, invoice: invoice)), e => e.Field == "invoiceNumber");

    [Fact]
    public void Every_invalid_field_is_reported_at_once()
    {
        var errors = InvoiceRules.Check(new RecordTransaction("INV-1", "", 1.123456m, "x", "", Day, null));
        Assert.Equal(["amount", "country", "currency", "transactionId"], errors.Select(e => e.Field).Order());
    }

    [Fact]
    public void A_negative_expected_version_and_an_overlong_idempotency_key_are_invalid()
    {
        var command = Record("t1", 1m) with { Options = new CommandOptions(IdempotencyKey: new string('k', 201), ExpectedVersion: -1) };
        Assert.Equal(["Idempotency-Key", "If-Match"], InvoiceRules.Check(command).Select(e => e.Field).Order());
        Assert.Empty(InvoiceRules.Check(Record("t1", 1m) with { Options = new CommandOptions(IdempotencyKey: new string('k', 200), ExpectedVersion: 0) }));
    }
}
