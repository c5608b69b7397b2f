using System.Runtime.CompilerServices;

// The pure fold and the pre-commit failure hook are tested directly (failure injection, guard direction).
[assembly: InternalsVisibleTo("EventLedger.Projections.Tests")]
[assembly: InternalsVisibleTo("EventLedger.IntegrationTests")]

// The catch-up benchmark times the host's DynamoDB work alone through the host's own calls (BoundedDynamoDb) and reads a
// guard's rows only where the host does (IDynamoDbReadModel.RowsNeverChange).
[assembly: InternalsVisibleTo("EventLedger.Benchmarks")]
