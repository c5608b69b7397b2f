using Npgsql;

namespace EventLedger.Projections.Analytics;

/// <summary>The analytics store of each read-model version in this environment (one shared data source, one schema per version).</summary>
public sealed class AnalyticsStores(NpgsqlDataSource dataSource, string tablePrefix)
{
    public AnalyticsStore For(int version) => new(dataSource, AnalyticsSchemaName.For(tablePrefix, version));
}
