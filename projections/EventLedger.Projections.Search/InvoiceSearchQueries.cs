using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace EventLedger.Projections.Search;

/// <summary>
/// Searches one version of the read model. Raw SQL rather than Marten's LINQ: a ranked page needs the <c>ts_rank</c>
/// score in its rows and a keyset cursor, which LINQ cannot express; each predicate must repeat its index's expression
/// exactly (the stored tsvector, the pg_trgm vendor index, the item-name GIN) so the planner can use it; and the
/// text-search configuration stays the compile-time constant <see cref="InvoiceSearchStore.TextSearchConfig"/>. Every
/// value a caller gives reaches PostgreSQL as a bound parameter; only that constant and the validated schema name are
/// part of the SQL text.
/// <para>
/// <b>Ranking on a bounded candidate set.</b> Ranking every match of a common term (a tenth of a million documents for
/// <c>printer</c>) means reading and scoring all of them before the first row; no PostgreSQL index returns matches in
/// rank order. So a ranked search takes its candidates in id order, <paramref name="rankWindow"/> at a time (a walk of the
/// primary key that stops after the window for a common term, a GIN lookup for a rare one), ranks each window with
/// <c>ts_rank</c> over the stored vector, and pages through it by (score desc, id); the next page after a window's last
/// starts the next window. A term with at most <paramref name="rankWindow"/> matches is therefore ranked exactly over all
/// its matches; a commoner one is ranked within consecutive windows, every match is still returned once, and a page ends
/// at a window's end (it may hold fewer rows than the limit and still have a <c>next</c>).
/// </para>
/// </summary>
public sealed class InvoiceSearchQueries(InvoiceSearchStore store, int rankWindow = InvoiceSearchQueries.DefaultRankWindow)
{
    /// <summary>Candidates ranked together: enough that a selective search is ranked exactly, few enough to score in a few ms.</summary>
    public const int DefaultRankWindow = 200;

    /// <summary>Bounds a pathological query (the HTTP request's cancellation also applies).</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(10);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private const string Config = InvoiceSearchStore.TextSearchConfig;
    private const string Vector = InvoiceSearchStore.SearchVectorColumn;

    public Task<InvoiceSearchPage> SearchAsync(InvoiceSearchQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return store.ExecuteAsync("searching", async ct =>
        {
            await using var command = store.DataSource.CreateCommand();
            command.CommandText = Sql(query, command.Parameters);
            command.CommandTimeout = (int)CommandTimeout.TotalSeconds;
            var hits = new List<(InvoiceSearchHit Hit, string Id, float? Score)>(query.Limit + 1);
            long windowSize = 0;
            string? windowEnd = null;
            await using (var reader = await command.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    if (query.Text is not null)
                    {
                        windowSize = reader.GetInt64(3);
                        windowEnd = reader.GetString(4);
                    }

                    var doc = JsonSerializer.Deserialize<InvoiceSearchDocument>(reader.GetString(1), Json)!;
                    float? score = await reader.IsDBNullAsync(2, ct) ? null : reader.GetFloat(2);
                    hits.Add((new InvoiceSearchHit(doc.InvoiceNumber, doc.TransactionId, doc.Amount, doc.Currency, doc.Country,
                        doc.InvoiceDate, doc.Status, doc.Verifier, score, doc.Document), reader.GetString(0), score));
                }
            }

            // One row more than the page tells whether there is a next page without a count.
            string? next = null;
            if (hits.Count > query.Limit)
            {
                hits.RemoveAt(hits.Count - 1);
                next = new InvoiceSearchCursor(hits[^1].Id, hits[^1].Score, query.Text is null ? null : query.Cursor?.WindowAfter).Encode();
            }
            else if (query.Text is not null && windowSize >= rankWindow && windowEnd is not null)
            {
                // This window is done and was full: there may be more matches after it.
                next = new InvoiceSearchCursor(windowEnd, Score: null, WindowAfter: windowEnd).Encode();
            }

            return new InvoiceSearchPage([.. hits.Select(h => h.Hit)], next);
        }, cancellationToken);
    }

    /// <summary>The highest stream version of the invoice this read model has applied (0 = none), for <c>minVersion</c> waits.</summary>
    public Task<long> AppliedVersionAsync(string invoiceNumber, CancellationToken cancellationToken = default) =>
        store.ExecuteAsync("reading an applied version", async ct =>
        {
            await using var command = store.DataSource.CreateCommand(
                // The document's own version: a bulk-loaded document's Marten revision is 1 until the stream writes it.
                $"select coalesce(max((data ->> 'lastAppliedVersion')::bigint), 0) from {store.DocumentTable} where invoice_number = @invoice");
            command.Parameters.AddWithValue("invoice", invoiceNumber);
            return (long)(await command.ExecuteScalarAsync(ct))!;
        }, cancellationToken);

    /// <summary>The SQL of a search, its parameters added to <paramref name="parameters"/> (exposed for plan tests).</summary>
    internal string Sql(InvoiceSearchQuery query, NpgsqlParameterCollection parameters)
    {
        var where = new List<string>();
        var ranked = query.Text is not null;
        if (ranked)
        {
            // The stored to_tsvector('simple', data ->> 'searchText'), GIN-indexed.
            parameters.Add(new NpgsqlParameter("q", NpgsqlDbType.Text) { Value = query.Text });
            where.Add($"d.{Vector} @@ websearch_to_tsquery('{Config}', @q)");
        }

        if (query.Vendor is { } vendor)
        {
            // The pg_trgm index serves ILIKE '%term%' on this exact expression for a term of three characters or more; a
            // shorter term has no trigram to look up, and matches so many vendors that the id-ordered walk (stopping after
            // a page) is the plan the planner picks.
            parameters.Add(new NpgsqlParameter("vendorLike", NpgsqlDbType.Text) { Value = $"%{EscapeLike(vendor)}%" });
            where.Add(@"(d.data ->> 'vendor') ilike @vendorLike escape '\'");
        }

        if (query.Item is { } item)
        {
            parameters.Add(new NpgsqlParameter("item", NpgsqlDbType.Text) { Value = item });
            where.Add("d.item_names @> array[@item]::text[]");
            if (query.MinQuantity is not null || query.MaxQuantity is not null)
            {
                var line = new StringBuilder("i ->> 'name' = @item");
                if (query.MinQuantity is { } min)
                {
                    parameters.Add(new NpgsqlParameter("minQuantity", NpgsqlDbType.Numeric) { Value = min });
                    line.Append(" and (i ->> 'quantity')::numeric >= @minQuantity");
                }

                if (query.MaxQuantity is { } max)
                {
                    parameters.Add(new NpgsqlParameter("maxQuantity", NpgsqlDbType.Numeric) { Value = max });
                    line.Append(" and (i ->> 'quantity')::numeric <= @maxQuantity");
                }

                where.Add($"exists (select 1 from jsonb_array_elements(d.data -> 'items') i where {line})");
            }
        }

        Equal("country", "d.country", query.Country);
        Equal("currency", "d.currency", query.Currency);
        Equal("invoiceNumber", "d.invoice_number", query.InvoiceNumber);
        if (query.Status != InvoiceSearchQuery.AllStatuses) Equal("status", "d.status", query.Status);
        if (query.From is { } from)
        {
            parameters.Add(new NpgsqlParameter("from", NpgsqlDbType.Date) { Value = from });
            where.Add("d.invoice_date >= @from");
        }

        if (query.To is { } to)
        {
            parameters.Add(new NpgsqlParameter("to", NpgsqlDbType.Date) { Value = to });
            where.Add("d.invoice_date <= @to");
        }

        parameters.Add(new NpgsqlParameter("limit", NpgsqlDbType.Integer) { Value = query.Limit + 1 });
        var filter = where.Count > 0 ? "where " + string.Join("\n  and ", where) : "";
        if (!ranked)
        {
            if (query.Cursor is { } after)
            {
                parameters.Add(new NpgsqlParameter("afterId", NpgsqlDbType.Varchar) { Value = after.Id });
                filter += (filter.Length > 0 ? "\n  and " : "where ") + "d.id > @afterId";
            }

            return $"select d.id, d.data::text, null::real from {store.DocumentTable} d\n{filter}\norder by d.id\nlimit @limit";
        }

        // Candidates in id order, one window at a time; ranked; the page cut by (score desc, id). The documents' JSON is
        // read for the page's rows only.
        parameters.Add(new NpgsqlParameter("window", NpgsqlDbType.Integer) { Value = rankWindow });
        if (query.Cursor?.WindowAfter is { } windowAfter)
        {
            parameters.Add(new NpgsqlParameter("windowAfter", NpgsqlDbType.Varchar) { Value = windowAfter });
            filter += "\n  and d.id > @windowAfter";
        }

        var page = "";
        if (query.Cursor is { Score: { } score } cursor)
        {
            parameters.Add(new NpgsqlParameter("afterScore", NpgsqlDbType.Real) { Value = score });
            parameters.Add(new NpgsqlParameter("afterId", NpgsqlDbType.Varchar) { Value = cursor.Id });
            page = "where r.score < @afterScore or (r.score = @afterScore and r.id > @afterId)";
        }

        return $"""
            with candidates as materialized (
              select d.id, d.{Vector} from {store.DocumentTable} d
              {filter}
              order by d.id
              limit @window),
            ranked as (
              select c.id, ts_rank(c.{Vector}, websearch_to_tsquery('{Config}', @q)) as score from candidates c),
            page as (
              select r.id, r.score from ranked r
              {page}
              order by r.score desc, r.id
              limit @limit)
            select p.id, d.data::text, p.score, (select count(*) from candidates), (select max(c.id) from candidates c)
            from page p join {store.DocumentTable} d on d.id = p.id
            order by p.score desc, p.id
            """;

        void Equal(string name, string column, string? value)
        {
            if (value is null) return;
            parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Varchar) { Value = value });
            where.Add($"{column} = @{name}");
        }
    }

    private static string EscapeLike(string text) =>
        text.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal);
}
