using EventLedger.Domain.Invoices;

namespace EventLedger.Domain.Tests.Invoices;

public class InvoiceDeciderTests
{
    private static readonly DateOnly Day = new(2016, 6, 6);

    private static TransactionRecorded Recorded(string id, decimal amount, string country = "USA", string currency = "USD", string? verifier = null) =>
        new(id, amount, currency, country, Day, null, verifier);

    private static RecordTransaction Record(string id, decimal amount, string country = "USA", string currency = "USD") =>
        new("INV-1", id, amount, currency, country, Day, null);

    [Fact]
    public void Recording_on_a_new_invoice_records_the_transaction() =>
        DeciderSpec.Given()
            .When(Record("t1", 100m))
            .Then(Recorded("t1", 100m));

    [Fact]
    public void Recording_captures_the_verifier_assigned_to_that_country() =>
        DeciderSpec.Given(new VerifierAssigned("USA", "admin@com"))
            .When(Record("t1", 100m))
            .Then(Recorded("t1", 100m, verifier: "admin@com"));

    [Fact]
    public void Recording_in_another_country_does_not_capture_a_verifier() =>
        DeciderSpec.Given(new VerifierAssigned("USA", "admin@com"))
            .When(Record("t1", 500m, country: "China"))
            .Then(Recorded("t1", 500m, country: "China"));

    [Fact]
    public void Recording_after_unassigning_captures_no_verifier() =>
        DeciderSpec.Given(new VerifierAssigned("USA", "admin@com"), new VerifierUnassigned("USA", "admin@com"))
            .When(Record("t1", 1m))
            .Then(Recorded("t1", 1m));

    [Fact]
    public void Zero_and_negative_amounts_are_allowed()
    {
        DeciderSpec.Given().When(Record("t0", 0m)).Then(Recorded("t0", 0m));
        DeciderSpec.Given().When(Record("t-", -12.5m)).Then(Recorded("t-", -12.5m));
    }

    [Fact]
    public void A_duplicate_transaction_id_is_a_conflict() =>
        DeciderSpec.Given(Recorded("t1", 100m))
            .When(Record("t1", 5m))
            .ThenRejected(RejectionKind.Conflict, "transaction-exists");

    [Fact]
    public void A_voided_transaction_id_cannot_be_recorded_again() =>
        DeciderSpec.Given(Recorded("t1", 100m), new TransactionVoided("t1", 100m, "USD", "USA", Day, null, null))
            .When(Record("t1", 5m))
            .ThenRejected(RejectionKind.Conflict, "transaction-exists");

    [Fact]
    public void A_second_currency_on_one_invoice_is_a_conflict() =>
        DeciderSpec.Given(Recorded("t1", 100m))
            .When(Record("t2", 5m, currency: "EUR"))
            .ThenRejected(RejectionKind.Conflict, "currency-mismatch");

    [Fact]
    public void Adjusting_carries_the_previous_amount_and_the_transaction_facts() =>
        DeciderSpec.Given(Recorded("t1", 100m))
            .When(new AdjustTransaction("INV-1", "t1", 80.5m, "discount"))
            .Then(new TransactionAdjusted("t1", 80.5m, 100m, "USD", "USA", Day, "discount"));

    [Fact]
    public void Adjusting_an_unknown_transaction_is_not_found() =>
        DeciderSpec.Given(Recorded("t1", 100m))
            .When(new AdjustTransaction("INV-1", "nope", 1m, null))
            .ThenRejected(RejectionKind.NotFound, "unknown-transaction");

    [Fact]
    public void Adjusting_a_voided_transaction_is_a_conflict() =>
        DeciderSpec.Given(Recorded("t1", 100m), new TransactionVoided("t1", 100m, "USD", "USA", Day, null, null))
            .When(new AdjustTransaction("INV-1", "t1", 1m, null))
            .ThenRejected(RejectionKind.Conflict, "transaction-voided");

    [Fact]
    public void Voiding_carries_the_current_amount_and_whether_it_was_verified() =>
        DeciderSpec.Given(new VerifierAssigned("USA", "v"), Recorded("t1", 100m, verifier: "v"), new TransactionAdjusted("t1", 70m, 100m, "USD", "USA", Day, null))
            .When(new VoidTransaction("INV-1", "t1", "mistake"))
            .Then(new TransactionVoided("t1", 70m, "USD", "USA", Day, "v", "mistake"));

    [Fact]
    public void Voiding_twice_is_a_conflict() =>
        DeciderSpec.Given(Recorded("t1", 100m), new TransactionVoided("t1", 100m, "USD", "USA", Day, null, null))
            .When(new VoidTransaction("INV-1", "t1", null))
            .ThenRejected(RejectionKind.Conflict, "transaction-voided");

    [Fact]
    public void Voiding_an_unknown_transaction_is_not_found() =>
        DeciderSpec.Given()
            .When(new VoidTransaction("INV-1", "t1", null))
            .ThenRejected(RejectionKind.NotFound, "unknown-transaction");

    [Fact]
    public void Assigning_a_verifier_replaces_the_previous_one() =>
        DeciderSpec.Given(new VerifierAssigned("UK", "a@co.uk"))
            .When(new AssignVerifier("INV-1", "UK", "b@co.uk"))
            .Then(new VerifierAssigned("UK", "b@co.uk"));

    [Fact]
    public void Assigning_the_same_verifier_again_is_a_conflict() =>
        DeciderSpec.Given(new VerifierAssigned("UK", "a@co.uk"))
            .When(new AssignVerifier("INV-1", "UK", "a@co.uk"))
            .ThenRejected(RejectionKind.Conflict, "verifier-already-assigned");

    [Fact]
    public void Unassigning_names_the_verifier_removed() =>
        DeciderSpec.Given(new VerifierAssigned("UK", "a@co.uk"))
            .When(new UnassignVerifier("INV-1", "UK"))
            .Then(new VerifierUnassigned("UK", "a@co.uk"));

    [Fact]
    public void Unassigning_where_none_is_assigned_is_not_found() =>
        DeciderSpec.Given()
            .When(new UnassignVerifier("INV-1", "UK"))
            .ThenRejected(RejectionKind.NotFound, "no-verifier");

    [Fact]
    public void Trailing_zeros_beyond_four_places_are_not_extra_precision() =>
        DeciderSpec.Given()
            .When(Record("t1", 1.10000m))
            .Then(Recorded("t1", 1.10000m));
}
