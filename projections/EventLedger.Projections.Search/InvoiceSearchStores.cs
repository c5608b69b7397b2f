using System.Collections.Concurrent;
using Npgsql;

namespace EventLedger.Projections.Search;

/// <summary>
/// The search store of each read-model version in this environment: one shared data source, one schema and one Marten
/// document store per version, created once (a document store holds the compiled mapping) and disposed with this.
/// </summary>
public sealed class InvoiceSearchStores(NpgsqlDataSource dataSource, string tablePrefix) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<int, Lazy<InvoiceSearchStore>> _stores = new();

    public InvoiceSearchStore For(int version) =>
        _stores.GetOrAdd(version, v => new Lazy<InvoiceSearchStore>(() => new InvoiceSearchStore(dataSource, InvoiceSearchSchemaName.For(tablePrefix, v)))).Value;

    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores.Values.Where(s => s.IsValueCreated))
        {
            await store.Value.DisposeAsync();
        }
    }
}
