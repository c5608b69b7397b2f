using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace EventLedger.Projections.Search;

/// <summary>
/// Searches one version of the read model. Raw SQL rather than Marten's LINQ, for three reasons: a ranked page needs the
/// <c>ts_rank</c> score in its rows and a keyset cursor over (score, id), which LINQ cannot express; each predicate must
/// repeat its index's expression exactly (the full-text, n-gram and item-name indexes Marten created) so the planner can
/// use it; and the text-search configuration stays the compile-time constant <see cref="InvoiceSearchStore.TextSearchConfig"/>.
/// Every value a caller gives reaches PostgreSQL as a bound parameter; only that constant and the validated schema name
/// are part of the SQL text.
/// </summary>
public sealed class InvoiceSearchQueries(InvoiceSearchStore store)
{
    /// <summary>Bounds a pathological query (the HTTP request's cancellation also applies).</summary>
    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(10);

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private const string Config = InvoiceSearchStore.TextSearchConfig;

    public Task<InvoiceSearchPage> SearchAsync(InvoiceSearchQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        return store.ExecuteAsync("searching", async ct =>
        {
            await using var command = store.DataSource.CreateCommand();
            command.CommandText = Sql(query, command.Parameters);
            command.CommandTimeout = (int)CommandTimeout.TotalSeconds;
            var hits = new List<(InvoiceSearchHit Hit, string Id, float? Score)>(query.Limit + 1);
            await using (var reader = await command.ExecuteReaderAsync(ct))
            {
                while (await reader.ReadAsync(ct))
                {
                    var doc = JsonSerializer.Deserialize<InvoiceSearchDocument>(reader.GetString(1), Json)!;
                    float? score = reader.IsDBNull(2) ? null : reader.GetFloat(2);
                    hits.Add((new InvoiceSearchHit(doc.InvoiceNumber, doc.TransactionId, doc.Amount, doc.Currency, doc.Country,
                        doc.InvoiceDate, doc.Status, doc.Verifier, score, doc.Document), reader.GetString(0), score));
                }
            }

            // One row more than the page tells whether there is a next page without a count.
            string? next = null;
            if (hits.Count > query.Limit)
            {
                hits.RemoveAt(hits.Count - 1);
                next = new InvoiceSearchCursor(hits[^1].Id, hits[^1].Score).Encode();
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
            // Same expression as Marten's full-text index: to_tsvector('simple', data ->> 'searchText').
            parameters.Add(new NpgsqlParameter("q", NpgsqlDbType.Text) { Value = query.Text });
            where.Add($"to_tsvector('{Config}', d.data ->> 'searchText') @@ websearch_to_tsquery('{Config}', @q)");
        }

        if (query.Vendor is { } vendor)
        {
            // Marten's n-gram index finds candidates (every 1-3-gram of the term present); ILIKE keeps exact substrings.
            parameters.Add(new NpgsqlParameter("vendor", NpgsqlDbType.Text) { Value = vendor });
            parameters.Add(new NpgsqlParameter("vendorLike", NpgsqlDbType.Text) { Value = $"%{EscapeLike(vendor)}%" });
            where.Add($"{store.Schema}.mt_grams_vector(d.data ->> 'vendor', false) @@ {store.Schema}.mt_grams_query(@vendor, false)");
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

        var page = "";
        if (query.Cursor is { Score: { } score } cursor)
        {
            parameters.Add(new NpgsqlParameter("afterScore", NpgsqlDbType.Real) { Value = score });
            parameters.Add(new NpgsqlParameter("afterId", NpgsqlDbType.Varchar) { Value = cursor.Id });
            page = "where m.score < @afterScore or (m.score = @afterScore and m.id > @afterId)";
        }

        return $"""
            select m.id, m.data, m.score from (
              select d.id, d.data::text as data,
                     ts_rank(to_tsvector('{Config}', d.data ->> 'searchText'), websearch_to_tsquery('{Config}', @q)) as score
              from {store.DocumentTable} d
              {filter}) m
            {page}
            order by m.score desc, m.id
            limit @limit
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
