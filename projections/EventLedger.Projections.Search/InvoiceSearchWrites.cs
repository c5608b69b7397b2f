using Marten;
using Npgsql;
using NpgsqlTypes;

namespace EventLedger.Projections.Search;

/// <summary>
/// The two set-based writes of the read model, both into Marten's document table with the columns and values Marten's own
/// operations write (the JSON from Marten's serializer, <c>mt_version</c> = the stream version, the duplicated columns).
/// <list type="bullet">
/// <item><see cref="UpsertAsync"/>: a batch's documents in one statement, the set-based form of the upsert Marten's
/// <c>TryUpdateRevision</c> sends per document, with the same guard (a row is written only when its stored revision is
/// older). Marten sends one statement per document, each parsed and planned by PostgreSQL; at a thousand documents a
/// batch that parsing was most of the database's work. Here the documents travel as three arrays and one
/// <c>insert … select from unnest(…) on conflict</c> writes them; the duplicated columns are taken from the JSON in the
/// same statement, so they cannot disagree with it.</item>
/// <item><see cref="CopyAsync"/>: documents that do not exist yet, by binary COPY straight into the table (what Marten's
/// bulk insert does in <c>InsertsOnly</c> mode, but on the caller's transaction, so a page's new documents and the ones it
/// continues commit together, and with the real revision instead of Marten's 1).</item>
/// </list>
/// </summary>
internal static class InvoiceSearchWrites
{
    private static readonly string DotnetType = typeof(InvoiceSearchDocument).FullName!;

    /// <summary>Writes <paramref name="documents"/> (distinct ids), each only over an older revision; returns the rows written.</summary>
    public static async Task<int> UpsertAsync(
        InvoiceSearchStore store, NpgsqlConnection connection, NpgsqlTransaction transaction,
        IReadOnlyList<InvoiceSearchDocument> documents, CancellationToken ct)
    {
        if (documents.Count == 0) return 0;
        var serializer = store.Documents.Options.Serializer();
        var ids = new string[documents.Count];
        var json = new string[documents.Count];
        var versions = new long[documents.Count];
        for (var i = 0; i < documents.Count; i++)
        {
            ids[i] = documents[i].Id;
            json[i] = serializer.ToJson(documents[i]);
            versions[i] = documents[i].LastAppliedVersion;
        }

        var table = store.DocumentTable;
        await using var command = new NpgsqlCommand($"""
            insert into {table} as t (id, data, mt_version, mt_dotnet_type, mt_last_modified,
                                      invoice_number, country, currency, invoice_date, status, item_names)
            select r.id, r.data, r.version, @type, transaction_timestamp(),
                   r.data ->> 'invoiceNumber', r.data ->> 'country', r.data ->> 'currency', (r.data ->> 'invoiceDate')::date,
                   r.data ->> 'status', array(select jsonb_array_elements_text(r.data -> 'itemNames'))
            from unnest(@ids, @data, @versions) as r(id, data, version)
            on conflict (id) do update set
                data = excluded.data, mt_version = excluded.mt_version, mt_dotnet_type = excluded.mt_dotnet_type,
                mt_last_modified = excluded.mt_last_modified, invoice_number = excluded.invoice_number,
                country = excluded.country, currency = excluded.currency, invoice_date = excluded.invoice_date,
                status = excluded.status, item_names = excluded.item_names
            where t.mt_version < excluded.mt_version
            """, connection, transaction);
        command.Parameters.Add(new NpgsqlParameter("type", NpgsqlDbType.Varchar) { Value = DotnetType });
        command.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Varchar) { Value = ids });
        command.Parameters.Add(new NpgsqlParameter("data", NpgsqlDbType.Array | NpgsqlDbType.Jsonb) { Value = json });
        command.Parameters.Add(new NpgsqlParameter("versions", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = versions });
        return await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Binary COPY of documents whose ids are not in the table (a duplicate fails the COPY, and the transaction).</summary>
    public static async Task CopyAsync(
        InvoiceSearchStore store, NpgsqlConnection connection, IReadOnlyList<InvoiceSearchDocument> documents, CancellationToken ct)
    {
        if (documents.Count == 0) return;
        var serializer = store.Documents.Options.Serializer();
        await using var writer = await connection.BeginBinaryImportAsync(
            $"copy {store.DocumentTable} (id, data, mt_version, mt_dotnet_type, invoice_number, country, currency, invoice_date, status, item_names) from stdin (format binary)", ct);
        foreach (var d in documents)
        {
            await writer.StartRowAsync(ct);
            await writer.WriteAsync(d.Id, NpgsqlDbType.Varchar, ct);
            await writer.WriteAsync(serializer.ToJson(d), NpgsqlDbType.Jsonb, ct);
            await writer.WriteAsync(d.LastAppliedVersion, NpgsqlDbType.Bigint, ct);
            await writer.WriteAsync(DotnetType, NpgsqlDbType.Varchar, ct);
            await writer.WriteAsync(d.InvoiceNumber, NpgsqlDbType.Varchar, ct);
            await writer.WriteAsync(d.Country, NpgsqlDbType.Varchar, ct);
            await writer.WriteAsync(d.Currency, NpgsqlDbType.Varchar, ct);
            await writer.WriteAsync(d.InvoiceDate, NpgsqlDbType.Date, ct);
            await writer.WriteAsync(d.Status, NpgsqlDbType.Varchar, ct);
            await writer.WriteAsync(d.ItemNames, NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
        }

        await writer.CompleteAsync(ct);
    }
}
