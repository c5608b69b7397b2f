using EventLedger.IntegrationTests.Fixtures;
using EventLedger.Projections.Search;
using Npgsql;

namespace EventLedger.IntegrationTests.Search;

/// <summary>Gives each test class its own search schema on the shared PostgreSQL, dropped afterwards.</summary>
public abstract class SearchTestBase(StackFixture fixture) : IAsyncLifetime
{
    protected StackFixture Fixture { get; } = fixture;

    protected NpgsqlDataSource DataSource { get; private set; } = null!;

    protected InvoiceSearchStore Store { get; private set; } = null!;

    protected InvoiceSearchStore NewStore(string name) =>
        new(DataSource, InvoiceSearchSchemaName.For(StackFixture.NewPrefix(name), 1));

    public virtual async Task InitializeAsync()
    {
        DataSource = NpgsqlDataSource.Create(Fixture.PostgresConnectionString);
        Store = NewStore("s");
        await Store.MigrateAsync();
    }

    public virtual async Task DisposeAsync()
    {
        await Store.DropSchemaAsync();
        await Store.DisposeAsync();
        await DataSource.DisposeAsync();
    }

    /// <summary>Every page of a search, following <c>next</c>.</summary>
    protected static async Task<List<InvoiceSearchHit>> AllPagesAsync(InvoiceSearchQueries queries, InvoiceSearchQuery query)
    {
        var hits = new List<InvoiceSearchHit>();
        for (var page = await queries.SearchAsync(query); ; page = await queries.SearchAsync(query with { Cursor = Cursor(page.Next!, query.Text is not null) }))
        {
            hits.AddRange(page.Items);
            if (page.Next is null) return hits;
        }
    }

    private static InvoiceSearchCursor Cursor(string text, bool ranked) =>
        InvoiceSearchCursor.TryDecode(text, ranked, out var cursor) ? cursor! : throw new InvalidOperationException($"bad cursor {text}");
}
