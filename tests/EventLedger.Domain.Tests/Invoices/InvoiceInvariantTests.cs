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
                select (InvoiceCommand)new RecordTransactionCommand($"t{id}", cents / 100m, currency, country, Day, null),
                from id in Gen.Choose(1, 6)
                from cents in Gen.Choose(-10_000, 10_000)
                select (InvoiceCommand)new AdjustTransactionCommand($"t{id}", cents / 100m, null),
                from id in Gen.Choose(1, 6)
                select (InvoiceCommand)new VoidTransactionCommand($"t{id}", null),
                from country in Gen.Elements("USA", "UK")
                from verifier in Gen.Elements("a", "b")
                select (InvoiceCommand)new AssignVerifierCommand(country, verifier),
                from country in Gen.Elements("USA", "UK")
                select (InvoiceCommand)new UnassignVerifierCommand(country)))
            .ToArbitrary();

    [Property(Arbitrary = [typeof(InvoiceInvariantTests)], MaxTest = 300)]
    public bool Accepted_commands_keep_one_currency_unique_ids_and_versions_without_gaps(InvoiceCommand[] commands)
    {
        var head = InvoiceHead.Empty;
        var transactions = new Dictionary<string, TransactionState?>();
        var recordedIds = new List<string>();
        foreach (var command in commands)
        {
            var named = command switch
            {
                RecordTransactionCommand c => c.TransactionId,
                AdjustTransactionCommand c => c.TransactionId,
                VoidTransactionCommand c => c.TransactionId,
                _ => null,
            };
            IReadOnlyList<IInvoiceEvent> events;
            try
            {
                events = InvoiceDecider.Decide(new DecisionContext("I", head, named is null ? null : transactions.GetValueOrDefault(named)), command);
            }
            catch (DomainRuleViolation)
            {
                continue;
            }

            foreach (var e in events)
            {
                var before = head.Version;
                head = InvoiceDecider.Evolve(head, e);
                if (head.Version != before + 1) return false;
                if (e is TransactionRecorded r)
                {
                    recordedIds.Add(r.TransactionId);
                    if (r.Currency != head.Currency) return false;
                }

                if (InvoiceDecider.TransactionIdOf(e) is { } id)
                {
                    transactions[id] = InvoiceDecider.Evolve(transactions.GetValueOrDefault(id), e);
                }
            }
        }

        return recordedIds.Count == recordedIds.Distinct().Count();
    }
}
