using System.Text.Json;
using EventLedger.Domain.Invoices;

namespace EventLedger.Domain.Tests.Invoices;

/// <summary>
/// Pins the bytes of stored idempotency fingerprints. Each expected preimage and hash was produced by the code that
/// stored fingerprints before ADR 0008 (the old <c>…Command</c> types serialized with the event payload's options), so a
/// retry sent across that change still replays. If one of these fails, stored fingerprints no longer match: every
/// legitimate retry of a command stored before would be answered 422.
/// </summary>
public class CommandFingerprintTests
{
    private static readonly DateOnly Day = new(2016, 6, 6);

    public static TheoryData<InvoiceCommand, string, string> Pinned()
    {
        var document = JsonDocument.Parse("""{"Vendor Name":"Müller & Söhne <GmbH>","Items":[{"qty":2,"price":1.10}]}""").RootElement;
        return new()
        {
            {
                new RecordTransaction("INV-2024-001", "tx-1", 100.5m, "EUR", "DEU", Day, document),
                """INV-2024-001|RecordTransactionCommand|{"transactionId":"tx-1","amount":100.5,"currency":"EUR","country":"DEU","invoiceDate":"2016-06-06","document":{"Vendor Name":"M\u00FCller \u0026 S\u00F6hne \u003CGmbH\u003E","Items":[{"qty":2,"price":1.10}]}}""",
                "C77E104A129899FF532151D13D7AE807D8C3CD18931EB443F517C65D1E94EA7B"
            },
            {
                new RecordTransaction("INV-1", "tx-2", -12.3400m, "USD", "USA", Day, null),
                """INV-1|RecordTransactionCommand|{"transactionId":"tx-2","amount":-12.3400,"currency":"USD","country":"USA","invoiceDate":"2016-06-06"}""",
                "8A8425968386C5C9263C6CD54655A1F27B8B9CC9A795483B9349DEE162C09AA5"
            },
            {
                new AdjustTransaction("INV-1", "tx-1", 0m, "discount"),
                """INV-1|AdjustTransactionCommand|{"transactionId":"tx-1","amount":0,"reason":"discount"}""",
                "19F20C0131837A0BABF0AD7C6F2F01BCD59B5CDD565E68E28CC55BDD0E25154C"
            },
            {
                new AdjustTransaction("INV-1", "tx-1", 80.5m, null),
                """INV-1|AdjustTransactionCommand|{"transactionId":"tx-1","amount":80.5}""",
                "5542C32AF50683F935E3DAB60267391FC66201B64294E8E3245D13474B203765"
            },
            {
                new VoidTransaction("INV-1", "tx-1", null),
                """INV-1|VoidTransactionCommand|{"transactionId":"tx-1"}""",
                "EB99E0D98C63D37A086A2E0FBAD19E46DDE3B0DDA0CBC89A5A32E75378B738B3"
            },
            {
                new AssignVerifier("INV-1", "USA", "admin@com"),
                """INV-1|AssignVerifierCommand|{"country":"USA","verifier":"admin@com"}""",
                "872092B37AD256BD23940B9A19E728A978330B3CD2A0BFCE211FCF8945A4DFA5"
            },
            {
                new UnassignVerifier("INV-1", "USA"),
                """INV-1|UnassignVerifierCommand|{"country":"USA"}""",
                "21F21C7543B288CFB48BE3BC5B4D5E8C1345AEB890E2DC4C2878ADAA7274E41D"
            },
        };
    }

    [Theory]
    [MemberData(nameof(Pinned))]
    public void A_fixed_command_has_exactly_the_stored_preimage_and_hash(InvoiceCommand command, string preimage, string hash)
    {
        Assert.Equal(preimage, CommandFingerprint.Preimage(command));
        Assert.Equal(hash, CommandFingerprint.Of(command));
    }

    [Fact]
    public void How_a_command_was_sent_is_not_part_of_its_fingerprint()
    {
        var command = new RecordTransaction("INV-1", "tx-2", -12.3400m, "USD", "USA", Day, null);
        var resent = command with
        {
            Options = new CommandOptions(IdempotencyKey: "k", ExpectedVersion: 3, Actor: "someone", CorrelationId: "c"),
            InputErrors = [new FieldError("x", "y")],
        };
        Assert.Equal(CommandFingerprint.Of(command), CommandFingerprint.Of(resent));
    }

    [Fact]
    public void Other_content_or_another_invoice_has_another_fingerprint()
    {
        var command = new AdjustTransaction("INV-1", "tx-1", 80.5m, null);
        Assert.NotEqual(CommandFingerprint.Of(command), CommandFingerprint.Of(command with { Amount = 80.50m }));
        Assert.NotEqual(CommandFingerprint.Of(command), CommandFingerprint.Of(command with { InvoiceNumber = "INV-2" }));
    }
}
