using EventLedger.EventStore.Events;
using EventLedger.Projections.Tests.Support;
using FsCheck;
using FsCheck.Fluent;

namespace EventLedger.Projections.Tests.Properties;

/// <summary>One generated step on an invoice. Steps that the domain would reject (adjusting a voided transaction, …) are skipped.</summary>
public sealed record Step(int Invoice, int Kind, int Pick, int Cents, int Country);

/// <summary>
/// A valid event history over a few invoices (built through <see cref="EventLog"/>) and a delivery of it: batches that
/// cover the history in order, each possibly starting back inside the previous one (redelivery), as the stream and a
/// rebuild's catch-up deliver.
/// </summary>
public sealed class Scenario
{
    private static readonly string[] Countries = ["USA", "UK", "China"];
    private static readonly string[] Verifiers = ["alice", "bob"];

    public Scenario(IReadOnlyList<Step> steps, IReadOnlyList<int> batchSizes, IReadOnlyList<int> overlaps)
    {
        Log = Build(steps);
        Deliveries = Deliver(Log.Events, batchSizes, overlaps);
    }

    public EventLog Log { get; }
    public IReadOnlyList<StoredEvent> Events => Log.Events;
    public IReadOnlyList<IReadOnlyList<StoredEvent>> Deliveries { get; }

    public override string ToString() =>
        $"{Events.Count} events, deliveries [{string.Join(" ", Deliveries.Select(d => $"{d[0].StreamId}@{d[0].Version}+{d.Count}"))}]";

    private static EventLog Build(IReadOnlyList<Step> steps)
    {
        var log = new EventLog();
        var counter = 0;
        foreach (var step in steps)
        {
            var invoice = log.On($"inv-{step.Invoice}");
            var transactions = log.TransactionsOf(invoice.InvoiceNumber);
            var live = transactions.Where(t => !t.Value.Voided).Select(t => t.Key).Order(StringComparer.Ordinal).ToList();
            var country = Countries[step.Country % Countries.Length];
            var amount = step.Cents / 100m;
            switch (step.Kind)
            {
                case <= 3:
                    invoice.Record($"tx-{counter++:D4}", amount, country);
                    break;
                case <= 5 when live.Count > 0:
                    invoice.Adjust(live[step.Pick % live.Count], amount);
                    break;
                case 6 when live.Count > 0:
                    invoice.Void(live[step.Pick % live.Count]);
                    break;
                case 7 or 8:
                    var verifier = Verifiers[step.Pick % Verifiers.Length];
                    if (log.VerifiersOf(invoice.InvoiceNumber).GetValueOrDefault(country) != verifier)
                    {
                        invoice.Assign(country, verifier);
                    }

                    break;
                case 9 when log.VerifiersOf(invoice.InvoiceNumber).ContainsKey(country):
                    invoice.Unassign(country);
                    break;
            }
        }

        return log;
    }

    private static List<IReadOnlyList<StoredEvent>> Deliver(IReadOnlyList<StoredEvent> events, IReadOnlyList<int> sizes, IReadOnlyList<int> overlaps)
    {
        var deliveries = new List<IReadOnlyList<StoredEvent>>();
        var next = 0; // first event not yet delivered
        for (var i = 0; next < events.Count; i++)
        {
            var size = sizes.Count == 0 ? events.Count : 1 + sizes[i % sizes.Count];
            var back = overlaps.Count == 0 ? 0 : Math.Min(overlaps[i % overlaps.Count], next);
            var start = next - back;
            var end = Math.Min(events.Count, Math.Max(next + 1, start + size));
            deliveries.Add([.. events.Skip(start).Take(end - start)]);
            next = end;
        }

        return deliveries;
    }
}

public static class ScenarioArbitrary
{
    public static Arbitrary<Scenario> Scenarios()
    {
        var step =
            from invoice in Gen.Choose(0, 2)
            from kind in Gen.Choose(0, 9)
            from pick in Gen.Choose(0, 50)
            from cents in Gen.Frequency((4, Gen.Choose(-100_000, 1_000_000)), (1, Gen.Constant(0)))
            from country in Gen.Choose(0, 2)
            select new Step(invoice, kind, pick, cents, country);
        var scenario =
            from steps in Gen.ArrayOf(step)
            from sizes in Gen.ArrayOf(Gen.Choose(0, 12))
            from overlaps in Gen.ArrayOf(Gen.Frequency((2, Gen.Constant(0)), (1, Gen.Choose(1, 10))))
            select new Scenario(steps, sizes, overlaps);
        return scenario.ToArbitrary();
    }
}
