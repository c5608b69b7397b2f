using EventLedger.Domain.Invoices;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace EventLedger.Domain.Tests.Invoices;

/// <summary>Properties over random command sequences: whatever the decider accepts keeps the invoice's invariants.</summary>
public class InvoiceInvariantTests
{
    private static readonly DateOnly Day = new(2020, 1, 1);

    public static Arbitrary<InvoiceCommand[]> Commands() =>
        Gen.ArrayOf(Gen.OneOf(
                from id in Gen.Choose(1, 6)
                from cents in Gen.Choose(-10_000, 10_000)
                from country in Gen.Elements("USA", "UK")
                from currency in Gen.Elements("USD", "USD", "USD", "EUR")
                select (InvoiceCommand)new RecordTransaction("I", $"t{id}", cents / 100m, currency, country, Day, null),
                from id in Gen.Choose(1, 6)
                from cents in Gen.Choose(-10_000, 10_000)
                select (InvoiceCommand)new AdjustTransaction("I", $"t{id}", cents / 100m, null),
                from id in Gen.Choose(1, 6)
                select (InvoiceCommand)new VoidTransaction("I", $"t{id}", null),
                from country in Gen.Elements("USA", "UK")
                from verifier in Gen.Elements("a", "b")
                select (InvoiceCommand)new AssignVerifier("I", country, verifier),
                from country in Gen.Elements("USA", "UK")
                select (InvoiceCommand)new UnassignVerifier("I", country)))
            .ToArbitrary();

    [Property(Arbitrary = [typeof(InvoiceInvariantTests)], MaxTest = 300)]
    public bool Accepted_commands_keep_one_currency_unique_ids_and_versions_without_gaps(InvoiceCommand[] commands)
    {
        var head = InvoiceHead.Empty;
        var transactions = new Dictionary<string, TransactionState>();
        var recordedIds = new List<string>();
        foreach (var command in commands)
        {
            var named = command switch
            {
                RecordTransaction c => c.TransactionId,
                AdjustTransaction c => c.TransactionId,
                VoidTransaction c => c.TransactionId,
                _ => null,
            };
            var state = new DecisionContext("I", head, named is null ? null : transactions.GetValueOrDefault(named));
            IReadOnlyList<IInvoiceEvent> events;
            try
            {
                events = InvoiceDecider.Decide(state, command);
            }
            catch (DomainRuleViolation)
            {
                continue;
            }

            var (next, touched) = InvoiceDecider.Evolve(state, events);
            if (next.Version != head.Version + events.Count) return false;
            head = next;
            foreach (var r in events.OfType<TransactionRecorded>())
            {
                recordedIds.Add(r.TransactionId);
                if (r.Currency != head.Currency) return false;
            }

            foreach (var tx in touched)
            {
                transactions[tx.TransactionId] = tx;
            }
        }

        return recordedIds.Count == recordedIds.Distinct().Count();
    }
}
