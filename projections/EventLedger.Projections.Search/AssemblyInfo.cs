using System.Runtime.CompilerServices;

// The pure fold and the pre-commit failure hook are tested directly; the benchmark prints the plans of the SQL it times.
[assembly: InternalsVisibleTo("EventLedger.Projections.Tests")]
[assembly: InternalsVisibleTo("EventLedger.IntegrationTests")]
[assembly: InternalsVisibleTo("EventLedger.Benchmarks")]
