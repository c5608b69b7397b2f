using Amazon.DynamoDBv2;
using EventLedger.ProjectionHost.Hosting;
using EventLedger.Projections.Common;
using EventLedger.Projections.DynamoDb;
using EventLedger.Projections.InvoiceTotals;
using Microsoft.Extensions.DependencyInjection;

namespace EventLedger.IntegrationTests.ProjectionHost;

/// <summary>An extra read model, "faulty-totals": the real invoice-totals projection in its own table, behind a <see cref="FaultyProjection"/>.</summary>
public sealed class FaultyReadModel(Func<string, bool> poisons)
{
    public const string Name = "faulty-totals";
    public FaultyProjection? Projection { get; private set; }
    public int FreezeAfter { get; init; }

    public void Register(IServiceCollection services, string tablePrefix) =>
        services.AddSingleton(sp => new HostedReadModel(Name, 1, async (version, ct) =>
        {
            var db = sp.GetRequiredService<IAmazonDynamoDB>();
            var table = new ReadModelTable(tablePrefix, Name, version).TableName;
            await Totals.Table(table).CreateIfNotExistsAsync(db, ct);
            Projection = new FaultyProjection(Totals.CreateProjection(db, table), poisons) { FreezeAfter = FreezeAfter };
            return new HostedProjection(Projection);
        }));

    private static readonly InvoiceTotalsProjection Totals = new();

    public static DynamoDbRows<InvoiceTotalsRow> Queries(IAmazonDynamoDB db, string tablePrefix) =>
        new(db, new ReadModelTable(tablePrefix, Name, 1).TableName);
}
