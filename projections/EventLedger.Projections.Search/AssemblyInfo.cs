using System.Runtime.CompilerServices;

// The pure fold and the pre-commit failure hook are tested directly.
[assembly: InternalsVisibleTo("EventLedger.Projections.Tests")]
[assembly: InternalsVisibleTo("EventLedger.IntegrationTests")]
